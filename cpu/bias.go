package cpu

// biasTask adds bias[c] to every element of channel c of x (N, C, S); a unit of work is one
// (n, c) plane.
type biasTask struct {
	x, bias []float32
	c, s    int
}

func (t *biasTask) Run(lo, hi int) {
	for u := lo; u < hi; u++ {
		bv := t.bias[u%t.c]
		row := t.x[u*t.s:][:t.s]
		for j := range row {
			row[j] += bv
		}
	}
}

func (b *Backend) addBias(x, bias []float32, n, c, s int) {
	t := &b.tasks.bias
	*t = biasTask{x: x, bias: bias, c: c, s: s}
	parallelFor(t, n*c, rowGrain(s))
}

// channelSumTask adds to db[c] the sum of x (N, C, S) over n and s, in float64 so that the
// sum does not depend on how large the batch is; a unit of work is one channel.
type channelSumTask struct {
	db, x   []float32
	n, c, s int
}

func (t *channelSumTask) Run(lo, hi int) {
	for ch := lo; ch < hi; ch++ {
		var sum float64
		for i := range t.n {
			sum += sum64(t.x[(i*t.c+ch)*t.s:][:t.s])
		}
		t.db[ch] += float32(sum)
	}
}

// sum64 is the float64 sum of v, in two chains so that the adds overlap.
func sum64(v []float32) float64 {
	var a, b float64
	j := 0
	for ; j+1 < len(v); j += 2 {
		a += float64(v[j])
		b += float64(v[j+1])
	}
	if j < len(v) {
		a += float64(v[j])
	}
	return a + b
}

func (b *Backend) addChannelSums(db, x []float32, n, c, s int) {
	t := &b.tasks.channelSum
	*t = channelSumTask{db: db, x: x, n: n, c: c, s: s}
	parallelFor(t, c, rowGrain(n*s))
}
