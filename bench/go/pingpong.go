// pingpong: ping sends 0..n-1 on unbuffered channel a, pong sends each + 1 back on b.
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

func pong(a <-chan int, b chan<- int, n int) {
	for i := 0; i < n; i++ {
		b <- <-a + 1
	}
}

func main() {
	n := size(1000000)
	start := time.Now()
	a := make(chan int)
	b := make(chan int)
	go pong(a, b, n)
	var sum int64
	for i := 0; i < n; i++ {
		a <- i
		sum += int64(<-b)
	}
	report(start, sum)
}
