// fanin: n producers each send 0..999 into one channel of capacity 1024; one consumer sums them.
package main

import (
	"time"
)

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
