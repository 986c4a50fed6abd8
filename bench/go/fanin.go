// fanin: n producers each send 0..999 into one channel of capacity 1024; one consumer sums them.
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

func producer(ch chan<- int, count int) {
	for k := 0; k < count; k++ {
		ch <- k
	}
}

func main() {
	producers := size(1000)
	each := 1000
	start := time.Now()
	ch := make(chan int, 1024)
	for p := 0; p < producers; p++ {
		go producer(ch, each)
	}
	var sum int64
	for k := 0; k < producers*each; k++ {
		sum += int64(<-ch)
	}
	report(start, sum)
}
