// Package tensorboard writes TensorBoard event files: scalars, images and text, read by
// `tensorboard --logdir` while training goes on.
//
//	w, err := tensorboard.Open("runs/fm/tb", resumeStep) // 0 for a new run
//	w.Scalar(tensorboard.TagLossD, step, lossD)
//	w.Image(tensorboard.TagSamples, step, pngBytes, 256, 256, 1)
//	w.Flush() // once per step: one write system call
//	w.Close()
//
// # Tags
//
// The names a PyTorch user of the DCGAN example would give (its log line prints Loss_D,
// Loss_G, D(x) and D(G(z))); TensorBoard groups tags by the part before the slash.
//
//	tag                  | kind   | value
//	---------------------+--------+----------------------------------------------------------
//	Loss/D               | scalar | discriminator loss of the step
//	Loss/G               | scalar | generator loss of the step
//	D(x)                 | scalar | mean of D's output on the real batch
//	D(G(z))              | scalar | mean of D's output on the fake batch
//	Eval/FD              | scalar | Fréchet distance of `gan eval` (not FID: other features)
//	Eval/ClassifierScore | scalar | classifier score of `gan eval`
//	Eval/Precision       | scalar | precision of `gan eval`
//	Eval/Recall          | scalar | recall of `gan eval`
//	Samples              | image  | the sample grid written at that step
//	Config               | text   | the run's configuration, as markdown
//
// The Tag constants hold these names.
//
// # Format
//
// An event file is a sequence of TFRecords (see record.go), each holding one Event message.
// The messages are generated from internal/tbproto/tensorboard.proto, the part of
// TensorBoard's schema that gogan uses, with TensorBoard's field numbers. The framing, a
// length and two masked CRC32Cs, is a few lines on top of hash/crc32, so it is written here
// rather than taken from TensorFlow's Go bindings, which need TensorFlow's C library.
//
// # Resuming
//
// A run resumed from a checkpoint at step S calls Open(dir, S). Events with a step after S
// that the interrupted run had already written are removed from the older files before the
// new file starts, so TensorBoard draws one curve without doubled steps; see Open.
//
// # Failures
//
// Methods return errors and never panic. A failed write (a full disk) disables the Writer:
// every later call returns that error and nothing more is written, and the caller decides
// whether training goes on without TensorBoard.
package tensorboard

// Recommended tags; see the package documentation.
const (
	TagLossD           = "Loss/D"
	TagLossG           = "Loss/G"
	TagDReal           = "D(x)"
	TagDFake           = "D(G(z))"
	TagFD              = "Eval/FD"
	TagClassifierScore = "Eval/ClassifierScore"
	TagPrecision       = "Eval/Precision"
	TagRecall          = "Eval/Recall"
	TagSamples         = "Samples"
	TagConfig          = "Config"
)
