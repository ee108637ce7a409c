// Package bench times full training steps (gan bench) on synthetic data, building the GAN as
// a run does (run.BuildGAN) and stepping it as package train does; it imports no backend.
package bench
