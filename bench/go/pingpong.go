// pingpong: ping sends 0..n-1 on unbuffered channel a, pong sends each + 1 back on b.
package main

import (
	"time"
)

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
