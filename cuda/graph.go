//go:build cuda

package cuda

// #include <cuda.h>
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// captureState is what the calling side keeps while a step is being recorded.
type captureState struct {
	adam map[*adamSlot]int // Adam counters the step advances, with how many times
}

// cudaGraph is a recorded step, instantiated and ready to launch.
type cudaGraph struct {
	b    *Backend
	g    C.CUgraph
	exec C.CUgraphExec
	adam map[*adamSlot]int
}

// Capture implements Capturer: it records the work that step queues as a CUDA graph, without
// running it, and instantiates the graph. The stream is captured in thread-local mode, so
// only the backend's own thread takes part, and it is idle when the capture begins.
//
// Host-side counters that step advances count the recorded step although nothing has run,
// and do not move when the graph is launched: the caller sets nn.Optimizer's step count
// (SetSteps) and nn.Network's BatchesTracked back after the capture and advances them once
// per Launch. Adam's counters on the device follow the launches by themselves. The tensors
// the step uses must outlive the graph.
func (b *Backend) Capture(step func()) (Graph, error) {
	if b.capture != nil {
		return nil, errors.New("cuda: Capture while already capturing")
	}
	if err := b.Sync(); err != nil {
		return nil, err
	}
	var err error
	b.w.call(func() {
		err = resultError(C.cuStreamBeginCapture(b.cstream(), C.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL))
		b.capturing, b.capErr = err == nil, nil
	})
	if err != nil {
		return nil, fmt.Errorf("cuda: begin capture: %w", err)
	}
	b.capture = &captureState{adam: map[*adamSlot]int{}}
	g := &cudaGraph{b: b, adam: b.capture.adam}
	func() {
		defer func() {
			// End the capture even when step panics, or the stream would stay unusable.
			if r := recover(); r != nil {
				if b.finishCapture(g) == nil {
					b.graphs++
					g.Close()
				}
				panic(r)
			}
		}()
		step()
	}()
	if err := b.finishCapture(g); err != nil {
		return nil, err
	}
	b.graphs++
	return g, nil
}

// finishCapture ends the capture into g and instantiates it.
func (b *Backend) finishCapture(g *cudaGraph) error {
	b.capture = nil
	for slot, k := range g.adam {
		slot.step -= k // recorded, not run
	}
	var err error
	b.w.call(func() { err = b.endCapture(g) })
	return err
}

// endCapture ends the capture into g and instantiates it; it runs on the worker. An op's
// refusal to be captured comes first, as it is what ended up invalidating the capture.
func (b *Backend) endCapture(g *cudaGraph) error {
	var cg C.CUgraph
	err := resultError(C.cuStreamEndCapture(b.cstream(), &cg))
	if err != nil {
		err = fmt.Errorf("cuda: end capture: %w", err)
	}
	b.capturing = false
	if b.capErr != nil {
		err, b.capErr = b.capErr, nil
	}
	if err == nil {
		if err = resultError(C.cuGraphInstantiateWithFlags(&g.exec, cg, 0)); err != nil {
			err = fmt.Errorf("cuda: instantiate the captured graph: %w", err)
		}
	}
	if err != nil {
		if cg != nil {
			C.cuGraphDestroy(cg)
		}
		return err
	}
	g.g = cg
	return nil
}

// Launch implements Graph.
func (g *cudaGraph) Launch() {
	b := g.b
	if b.capture != nil {
		b.failLater("Graph.Launch", errors.New("a graph cannot be launched while another is being captured"))
		return
	}
	if g.exec == nil {
		panic("cuda: Launch of a closed graph")
	}
	for slot, k := range g.adam {
		slot.step += k
	}
	exec := g.exec
	b.enqueue("Graph.Launch", func() error {
		err := resultError(C.cuGraphLaunch(exec, b.cstream()))
		if err == nil && b.opts.SyncEveryLaunch {
			err = driverError(b.stream.Synchronize())
		}
		return err
	})
}

// Close implements Graph.
func (g *cudaGraph) Close() error {
	if g.exec == nil {
		return nil
	}
	var err error
	g.b.w.call(func() {
		err = resultError(C.cuGraphExecDestroy(g.exec))
		if e := resultError(C.cuGraphDestroy(g.g)); err == nil {
			err = e
		}
	})
	g.exec, g.g = nil, nil
	if g.b.graphs--; g.b.graphs == 0 {
		for _, p := range g.b.retired {
			g.b.mem.Free(p)
		}
		g.b.retired = nil
	}
	if err != nil {
		return fmt.Errorf("cuda: close graph: %w", err)
	}
	return nil
}

// cstream is the backend's stream as this package's C type.
func (b *Backend) cstream() C.CUstream { return C.CUstream(unsafe.Pointer(b.stream.C())) }

// refuseInCapture records an error and reports true when op, which must wait for the GPU,
// is called while a graph is being captured.
func (b *Backend) refuseInCapture(op string) bool {
	if b.capture == nil {
		return false
	}
	b.failLater(op, errCaptureSync)
	return true
}

// The errors of work that a graph cannot hold.
var (
	errCaptureSync  = errors.New("cannot wait for the GPU while capturing a graph: upload before and download after the captured step")
	errCaptureAlloc = errors.New("cannot allocate or free device memory while capturing a graph: run the step once before capturing it, so that its buffers exist")
)
