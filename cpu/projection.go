package cpu

import (
	"fmt"

	"gogan/nn"
)

// The projection ops are small (a batch of feature vectors, a few thousand values each), so
// they run on one core; sums over the batch and over the features are taken in float64 and in
// index order, so the results do not depend on anything but the inputs.

// classOf returns the class index labels[i] as a row of a table of k rows.
func classOf(op string, labels []float32, i, k int) int {
	c := int(labels[i])
	if float32(c) != labels[i] || c < 0 || c >= k {
		panic(fmt.Sprintf("cpu: %s: label %g of sample %d is not a class of 0..%d", op, labels[i], i, k-1))
	}
	return c
}

// ProjectionForward implements nn.Backend.
func (b *Backend) ProjectionForward(out, x, w, table, labels *nn.Tensor) {
	g, err := nn.CheckProjectionForward(out, x, w, table, labels)
	must(err)
	n, k, f := g.N, g.K, g.F
	for i := 0; i < n; i++ {
		row := table.Host[classOf("ProjectionForward", labels.Host, i, k)*f:][:f]
		xs := x.Host[i*f:][:f]
		var sum float64
		for j, v := range xs {
			sum += float64(v) * float64(w.Host[j]+row[j])
		}
		out.Host[i] = float32(sum)
	}
}

// ProjectionBackward implements nn.Backend.
func (b *Backend) ProjectionBackward(dx, dw, dtable, dout, x, w, table, labels *nn.Tensor) {
	g, err := nn.CheckProjectionBackward(dx, dw, dtable, dout, x, w, table, labels)
	must(err)
	n, k, f := g.N, g.K, g.F
	for i := 0; i < n; i++ {
		classOf("ProjectionBackward", labels.Host, i, k)
	}
	class := func(i int) int { return int(labels.Host[i]) }
	if dx != nil {
		for i := 0; i < n; i++ {
			d, row := dout.Host[i], table.Host[class(i)*f:][:f]
			for j, dst := 0, dx.Host[i*f:][:f]; j < f; j++ {
				dst[j] = d * (w.Host[j] + row[j])
			}
		}
	}
	if dw != nil {
		for j := 0; j < f; j++ {
			var sum float64
			for i := 0; i < n; i++ {
				sum += float64(dout.Host[i]) * float64(x.Host[i*f+j])
			}
			dw.Host[j] += float32(sum)
		}
	}
	if dtable != nil {
		// Gathered per class, as the CUDA kernel does: each table row sums its own samples.
		for c := 0; c < k; c++ {
			dst := dtable.Host[c*f:][:f]
			for j := range dst {
				var sum float64
				for i := 0; i < n; i++ {
					if class(i) == c {
						sum += float64(dout.Host[i]) * float64(x.Host[i*f+j])
					}
				}
				dst[j] += float32(sum)
			}
		}
	}
}
