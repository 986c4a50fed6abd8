// skynet-chan: the original program (github.com/atemerev/skynet): a node spawns 10 goroutines, sums what they send on a rendezvous channel.
package main

import (
	"fmt"
	"os"
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

func skynet(out chan<- int64, num, size int) {
	if size == 1 {
		out <- int64(num)
		return
	}
	child := size / 10
	mine := make(chan int64)
	for i := 0; i < 10; i++ {
		go skynet(mine, num+i*child, child)
	}
	var sum int64
	for i := 0; i < 10; i++ {
		sum += <-mine
	}
	out <- sum
}

func main() {
	n := size(1000000)
	start := time.Now()
	out := make(chan int64)
	go skynet(out, 0, n)
	report(start, <-out)
}
