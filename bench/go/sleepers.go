// sleepers: n goroutines, the i-th sleeps sleepMs(i) ms and returns it; wait for all, sum.
package main

import (
	"sync"
	"time"
)

// sleepMs is bench/lib/random.ts's, step for step on uint32 (change both together).
func sleepMs(i int) int {
	x := uint32(i) + 0x9e3779b9
	x = (x ^ (x >> 16)) * 0x85ebca6b
	x = (x ^ (x >> 13)) * 0xc2b2ae35
	x ^= x >> 16
	return int(x % 1001)
}

func sleeper(i int, out *int64, wg *sync.WaitGroup) {
	ms := sleepMs(i)
	time.Sleep(time.Duration(ms) * time.Millisecond)
	*out = int64(ms)
	wg.Done()
}

func main() {
	n := size(1000000)
	start := time.Now()
	results := make([]int64, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go sleeper(i, &results[i], &wg)
	}
	wg.Wait()
	var sum int64
	for _, v := range results {
		sum += v
	}
	report(start, sum)
}
