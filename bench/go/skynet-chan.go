// skynet-chan: the original program (github.com/atemerev/skynet): a node spawns 10 goroutines, sums what they send on a rendezvous channel.
package main

import (
	"time"
)

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
