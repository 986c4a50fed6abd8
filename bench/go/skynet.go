// skynet, join form: a node starts 10 goroutines and waits for them (sync.WaitGroup), then sums their results:
// the shape every runtime's case has (bench/lib/benchmarks.ts). skynet-chan.go is the original channel program.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
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
