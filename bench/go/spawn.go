// spawn: n goroutines, the i-th returning i (into its slot); wait for all, sum (bench/lib/benchmarks.ts).
package main

import (
	"sync"
	"time"
)

func leaf(i int, out *int64, wg *sync.WaitGroup) {
	*out = int64(i)
	wg.Done()
}

func main() {
	n := size(1000000)
	start := time.Now()
	results := make([]int64, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go leaf(i, &results[i], &wg)
	}
	wg.Wait()
	var sum int64
	for _, v := range results {
		sum += v
	}
	report(start, sum)
}
