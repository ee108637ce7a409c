package arena

import "testing"

// TestExactArenaAllocatesEachBlockAlone checks that every block of an exact arena is a
// driver allocation of the requested size, and that a freed block comes back only for the
// same size.
func TestExactArenaAllocatesEachBlockAlone(t *testing.T) {
	var sizes []int
	next := uintptr(1 << 20)
	a := NewExact(func(size int) (uintptr, error) {
		sizes = append(sizes, size)
		p := next
		next += uintptr(size+Align-1) / Align * Align
		return p, nil
	})
	p1, _ := a.Alloc(100)
	p2, _ := a.Alloc(4)
	if len(sizes) != 2 || sizes[0] != 100 || sizes[1] != 4 {
		t.Fatalf("driver asked for %v, want [100 4]", sizes)
	}
	if p1 == p2 {
		t.Fatal("two live blocks share an address")
	}
	a.Free(p1)
	p3, _ := a.Alloc(104)
	if p3 == p1 || len(sizes) != 3 {
		t.Errorf("a request of 104 bytes reused the freed block of 100 (driver calls %v)", sizes)
	}
	p4, _ := a.Alloc(100)
	if p4 != p1 || len(sizes) != 3 {
		t.Errorf("a request of 100 bytes got %#x, not the freed block %#x (driver calls %v)", p4, p1, sizes)
	}
	if held, inUse, _ := a.Stats(); held != 208 || inUse != 208 {
		t.Errorf("Stats = held %d, in use %d; want 208 and 208", held, inUse)
	}
}
