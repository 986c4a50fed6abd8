// mutex: n goroutines each lock a sync.Mutex 1000 times; inside, they yield and increment a counter.
package main

import (
	"fmt"
	"os"
	"runtime"
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

const rounds = 1000

func main() {
	n := size(1000)
	start := time.Now()
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	wg.Add(n)
	for w := 0; w < n; w++ {
		go func() {
			for i := 0; i < rounds; i++ {
				mu.Lock()
				runtime.Gosched()
				counter++
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	report(start, int64(counter))
}
