// switch: 2 goroutines each call runtime.Gosched() n/2 times (bench/lib/benchmarks.ts).
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// size is the problem size from os.Args[1], or def (bench/lib/report.ts: the case protocol).
func size(def int) int {
	if len(os.Args) < 2 {
		return def
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n <= 0 {
		fmt.Fprintf(os.Stderr, "size must be a positive integer, got %s\n", os.Args[1])
		os.Exit(2)
	}
	return n
}

// report prints the one JSON line of the case protocol: ms, result, peak RSS in MiB.
func report(start time.Time, result int64) {
	ms := float64(time.Since(start).Microseconds()) / 1000
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("{\"ms\":%.1f,\"result\":%d,\"rssMB\":%d}\n", ms, result, ru.Maxrss/1024)
}

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
