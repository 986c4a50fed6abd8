// The case protocol's two helpers, shared by every program here (bench/lib/report.ts
// is the JavaScript twin). The harness builds each program together with this file:
// go build -o BIN bench/go/<benchmark>.go bench/go/report.go
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// size is the problem size from os.Args[1], or def.
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
