// skynet, join form: a node starts 10 goroutines and waits for them (sync.WaitGroup), then sums their results:
// the shape every runtime's case has (bench/lib/benchmarks.ts). skynet-chan.go is the original channel program.
package main

import (
	"sync"
	"time"
)

func skynet(num, size int) int64 {
	if size == 1 {
		return int64(num)
	}
	child := size / 10
	var results [10]int64
	var wg sync.WaitGroup
	wg.Add(10)
	for i := 0; i < 10; i++ {
		go func(i int) {
			results[i] = skynet(num+i*child, child)
			wg.Done()
		}(i)
	}
	wg.Wait()
	var sum int64
	for _, r := range results {
		sum += r
	}
	return sum
}

func main() {
	n := size(1000000)
	start := time.Now()
	report(start, skynet(0, n))
}
