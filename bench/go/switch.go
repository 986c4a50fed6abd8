// switch: 2 goroutines each call runtime.Gosched() n/2 times (bench/lib/benchmarks.ts).
package main

import (
	"runtime"
	"time"
)

func yielder(times int, done chan<- int) {
	k := 0
	for ; k < times; k++ {
		runtime.Gosched()
	}
	done <- k
}

func main() {
	n := size(10000000)
	start := time.Now()
	done := make(chan int)
	go yielder(n/2, done)
	go yielder(n-n/2, done)
	count := <-done + <-done
	report(start, int64(count))
}
