package workers

import (
	"sync"
	"sync/atomic"
	"testing"
)

// countTask counts how often each unit is run.
type countTask struct {
	hits   []atomic.Int32
	inside func() // run for every unit, for nested calls
}

func (t *countTask) Run(lo, hi int) {
	for i := lo; i < hi; i++ {
		t.hits[i].Add(1)
		if t.inside != nil {
			t.inside()
		}
	}
}

func checkOnce(t *testing.T, name string, c *countTask) {
	t.Helper()
	for i := range c.hits {
		if h := c.hits[i].Load(); h != 1 {
			t.Fatalf("%s: unit %d ran %d times, want 1", name, i, h)
		}
	}
}

// TestRunCoversEachUnitOnce runs sizes and chunkings around the edges: every unit must run
// exactly once, whatever the number of goroutines.
func TestRunCoversEachUnitOnce(t *testing.T) {
	for _, n := range []int{1, 2, 7, 64, 1000, 4097} {
		for _, chunk := range []int{0, 1, 3, 64, 5000} {
			for _, procs := range []int{1, 2, 3, 8, MaxProcs + 10} {
				c := &countTask{hits: make([]atomic.Int32, n)}
				Run(c, n, chunk, procs)
				checkOnce(t, "Run", c)
			}
		}
	}
	Run(&countTask{}, 0, 1, 4) // nothing to do: must return at once
}

// TestNestedAndConcurrent calls Run from inside a task and from several goroutines at once:
// a call that finds the pool busy runs on its caller, and nothing deadlocks or is lost.
func TestNestedAndConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 50 {
				inner := make([]*countTask, 0, 64)
				var mu sync.Mutex
				outer := &countTask{hits: make([]atomic.Int32, 64), inside: func() {
					c := &countTask{hits: make([]atomic.Int32, 33+g+r)}
					Run(c, len(c.hits), 2, 4)
					mu.Lock()
					inner = append(inner, c)
					mu.Unlock()
				}}
				Run(outer, 64, 4, 4)
				checkOnce(t, "outer", outer)
				if len(inner) != 64 {
					t.Errorf("%d inner calls, want 64", len(inner))
				}
				for _, c := range inner {
					checkOnce(t, "inner", c)
				}
			}
		}()
	}
	wg.Wait()
}
