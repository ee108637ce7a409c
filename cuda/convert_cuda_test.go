//go:build cuda

package cuda

import "testing"

// TestBytesConversions checks the 8-bit transfers against their formulas.
func TestBytesConversions(t *testing.T) {
	b := gpu(t)
	src := make([]uint8, 1000)
	for i := range src {
		src[i] = uint8(i * 7)
	}
	x := b.New(10, 100)
	defer b.Free(x)
	b.UploadBytes(x, src, 2.0/255, -1)
	got := host(b, x)
	want := make([]float32, len(src))
	for i, v := range src {
		want[i] = float32(v)*(2.0/255) - 1
	}
	compare(t, "UploadBytes", got, want, 1e-12)
	back := make([]uint8, len(src))
	if err := b.DownloadBytes(back, x, 127.5, 127.5); err != nil {
		t.Fatal(err)
	}
	for i := range src {
		if back[i] != src[i] {
			t.Fatalf("DownloadBytes[%d] = %d, want %d", i, back[i], src[i])
		}
	}
}
