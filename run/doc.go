// Package run is a run of training: its folder and the lock that keeps a second run out, its
// configuration (Config, config.json) and the rules for resuming it, the console's progress
// line, the figures (loss.png, the toy experiment's toy.png, progress.gif) and metrics.jsonl,
// the checkpoint files, the memory estimate that refuses a run too large for the machine, and
// the epoch and step loop that drives it all (Run).
//
// A step itself is package train's: run prepares the data and the networks, queues a
// generator step with train.GAN.StepQueued, and records the statistics it returns, those of
// the step before on a device backend (queue.go). run imports train,
// models, nn, data, metrics and checkpoints, and no backend: the command line picks one.
package run
