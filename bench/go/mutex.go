// mutex: n goroutines each lock a sync.Mutex 1000 times; inside, they yield and increment a counter.
package main

import (
	"runtime"
	"sync"
	"time"
)

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
