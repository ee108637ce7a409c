package data

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"sync"

	"gorgonia.org/tensor"
)

// maxWorkers bounds the goroutines that convert batches; more would only compete with a CPU
// backend's own work, since a few already outpace any training step.
const maxWorkers = 4

// Loader yields a dataset in shuffled batches, epoch after epoch, as (N, C, H, W) float32
// tensors in [-1, 1]. The order of epoch e depends only on the seed and e, so a resumed run
// that Seeks to where it stopped sees the batches it would have seen. Background goroutines
// prepare the next batches, in order, while the trainer works on the current one.
//
// Next, Seek and Close must be called from one goroutine.
type Loader struct {
	ds        *Dataset
	batchSize int
	seed      uint64
	perEpoch  int
	mirror    bool

	epoch, index int   // of the batch Next returns next
	last         []int // indices of the images of the batch Next returned last
	err          error // why Next stopped, when a batch could not be read
	batches      chan batch
	stop         chan struct{}
	wg           sync.WaitGroup
	closed       bool
}

// batch is a batch on its way: images delivers it once a worker has converted it.
type batch struct {
	images       chan converted
	epoch, index int
	indices      []int
}

// converted is a worker's result: the batch, or why it could not be read.
type converted struct {
	images *tensor.Dense
	err    error
}

// job asks a worker to convert the images at indices, mirroring those flips marks, and
// deliver them to out.
type job struct {
	indices []int
	flips   []bool
	out     chan<- converted
}

// LoaderOption changes how a Loader prepares batches.
type LoaderOption func(*Loader)

// Mirror flips each image left to right with probability ½, drawn from the seed, the epoch
// and the batch, so that a resumed run flips as the uninterrupted one would have.
func Mirror() LoaderOption { return func(l *Loader) { l.mirror = true } }

// mirrorStream keeps the flips' random stream apart from the shuffle's.
const mirrorStream = 0x6d6972726f72 // "mirror"

// NewLoader starts a loader at epoch 0. With dropLast, the last partial batch of each epoch
// is left out; otherwise it is returned smaller.
func NewLoader(ds *Dataset, batchSize int, seed uint64, dropLast bool, opts ...LoaderOption) (*Loader, error) {
	if batchSize < 1 {
		return nil, fmt.Errorf("batch size must be at least 1, got %d", batchSize)
	}
	perEpoch := ds.Len() / batchSize
	if !dropLast && ds.Len()%batchSize != 0 {
		perEpoch++
	}
	if perEpoch == 0 {
		return nil, fmt.Errorf("batch size %d is larger than the %d images of %s, and partial batches are dropped",
			batchSize, ds.Len(), ds.Name)
	}
	l := &Loader{ds: ds, batchSize: batchSize, seed: seed, perEpoch: perEpoch}
	for _, o := range opts {
		o(l)
	}
	l.start()
	return l, nil
}

// BatchesPerEpoch is the number of batches in one epoch.
func (l *Loader) BatchesPerEpoch() int { return l.perEpoch }

// Position is the epoch and the index within it of the batch Next returns next.
func (l *Loader) Position() (epoch, index int) { return l.epoch, l.index }

// Next returns the next batch and the epoch it belongs to; ok is false once the loader is
// closed or a batch could not be read (a pack cut short or rewritten since it was opened),
// and Err then says why. The caller owns the tensor.
func (l *Loader) Next() (images *tensor.Dense, epoch int, ok bool) {
	if l.closed || l.err != nil {
		return nil, 0, false
	}
	b := <-l.batches
	got := <-b.images
	if got.err != nil {
		l.err = got.err
		return nil, 0, false
	}
	l.last = b.indices
	l.epoch, l.index = b.epoch, b.index+1
	if l.index == l.perEpoch {
		l.epoch, l.index = l.epoch+1, 0
	}
	return got.images, b.epoch, true
}

// Err is why Next returned false: the read that failed, or nil when the loader was closed.
func (l *Loader) Err() error { return l.err }

// Labels writes the labels of the batch Next returned last into dst, grown as needed, and
// returns it; nil when the dataset has no labels.
func (l *Loader) Labels(dst []uint8) []uint8 {
	if l.ds.Labels == nil {
		return nil
	}
	dst = dst[:0]
	for _, i := range l.last {
		dst = append(dst, l.ds.Labels[i])
	}
	return dst
}

// Seek makes Next continue with batch index of epoch, as if the batches before it had been
// taken; an index past the end of an epoch counts on into the following ones.
func (l *Loader) Seek(epoch, index int) error {
	if epoch < 0 || index < 0 {
		return fmt.Errorf("seek to epoch %d, batch %d: negative position", epoch, index)
	}
	if l.closed {
		return fmt.Errorf("seek on a closed loader")
	}
	l.halt()
	l.epoch, l.index = epoch+index/l.perEpoch, index%l.perEpoch
	l.start()
	return nil
}

// Close stops the background goroutine. It is safe to call more than once.
func (l *Loader) Close() error {
	if !l.closed {
		l.halt()
		l.closed = true
	}
	return nil
}

func (l *Loader) start() {
	workers := min(runtime.GOMAXPROCS(0), maxWorkers)
	// Room for two batches per worker keeps every worker busy while Next waits on the first.
	l.batches = make(chan batch, 2*workers)
	l.stop = make(chan struct{})
	work := make(chan job)
	for w := 0; w < workers; w++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for j := range work {
				images, err := l.ds.ReadBatch(j.indices, j.flips)
				j.out <- converted{images, err}
			}
		}()
	}
	l.wg.Add(1)
	go l.produce(l.epoch, l.index, l.batches, work, l.stop)
}

func (l *Loader) halt() {
	close(l.stop)
	l.wg.Wait()
}

// produce queues the batches from (epoch, index) on, in order, and hands their conversion
// to the workers, until stop is closed.
func (l *Loader) produce(epoch, index int, out chan<- batch, work chan<- job, stop <-chan struct{}) {
	defer l.wg.Done()
	defer close(work)
	n := l.ds.Len()
	for ; ; epoch, index = epoch+1, 0 {
		order := Permutation(n, l.seed, uint64(epoch))
		for ; index < l.perEpoch; index++ {
			lo, hi := index*l.batchSize, min((index+1)*l.batchSize, n)
			// Buffered, so that a worker never waits on a batch that nobody takes.
			images := make(chan converted, 1)
			select {
			case out <- batch{images: images, epoch: epoch, index: index, indices: order[lo:hi]}:
			case <-stop:
				return
			}
			select {
			case work <- job{indices: order[lo:hi], flips: l.flips(epoch, index, hi-lo), out: images}:
			case <-stop:
				return
			}
		}
	}
}

// flips draws which of a batch's n images Mirror flips; nil without Mirror.
func (l *Loader) flips(epoch, index, n int) []bool {
	if !l.mirror {
		return nil
	}
	src := rand.NewPCG(l.seed^mirrorStream, uint64(epoch)<<32|uint64(index))
	f := make([]bool, n)
	for i := range f {
		f[i] = src.Uint64()&1 == 1
	}
	return f
}

// Batch returns the images at the given indices as an (N, C, H, W) float32 tensor, each
// byte v mapped to v/127.5 - 1 in [-1, 1]. It is for datasets held in memory and for the
// odd grid of a pack just opened; a pack's reads can fail, and a Loader reports them through
// ReadBatch's error.
func (d *Dataset) Batch(indices []int) *tensor.Dense {
	t, err := d.ReadBatch(indices, nil)
	if err != nil {
		panic(err) // only a pack cut short between its opening and this read gets here
	}
	return t
}

// ReadBatch is Batch with the images i for which flips[i] is true mirrored left to right;
// flips may be nil. A pack's images are read from its file, and an error says when the file
// was cut short or rewritten since it was opened.
func (d *Dataset) ReadBatch(indices []int, flips []bool) (*tensor.Dense, error) {
	size := d.c * d.h * d.w
	buf := make([]float32, len(indices)*size)
	var scratch []uint8
	if d.mapped != nil {
		scratch = make([]uint8, size)
	}
	for k, i := range indices {
		dst := buf[k*size : (k+1)*size]
		var src []uint8
		if scratch == nil {
			src = d.Image(i)[:len(dst)] // equal lengths spare the loop its bounds checks
		} else if err := d.mapped.readImage(scratch, i, size); err != nil {
			return nil, fmt.Errorf("read image %d of %s: %w", i, d.Name, err)
		} else {
			src = scratch[:len(dst)]
		}
		if flips != nil && flips[k] {
			mirrorRows(dst, src, d.w)
			continue
		}
		for j := range dst {
			dst[j] = byteToUnit[src[j]]
		}
	}
	if d.mapped != nil {
		if err := d.mapped.unchanged(); err != nil {
			return nil, fmt.Errorf("%s: %w", d.Name, err)
		}
	}
	return tensor.New(tensor.WithShape(len(indices), d.c, d.h, d.w), tensor.WithBacking(buf)), nil
}

// mirrorRows converts src's rows of w pixels into dst, each reversed.
func mirrorRows(dst []float32, src []uint8, w int) {
	for lo := 0; lo+w <= len(src); lo += w {
		row, out := src[lo:lo+w:lo+w], dst[lo:lo+w:lo+w]
		for x := range out {
			out[x] = byteToUnit[row[w-1-x]]
		}
	}
}

// byteToUnit maps a pixel byte to [-1, 1]; a table is faster than the arithmetic.
var byteToUnit = func() (t [256]float32) {
	for v := range t {
		t[v] = float32(v)/127.5 - 1
	}
	return t
}()

// Permutation is the order of n items in one epoch: a Fisher-Yates shuffle driven by PCG
// seeded with (seed, epoch). Both are specified algorithms, so the order is the same on
// every platform and Go release, whatever the backend that consumes it.
func Permutation(n int, seed, epoch uint64) []int {
	src := rand.NewPCG(seed, epoch)
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := boundedRand(src, uint64(i)+1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// boundedRand returns a uniform value in [0, n) by Lemire's multiply-and-reject method.
func boundedRand(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}
