// Package metrics measures how close a generator's images are to real ones, in numbers that
// are comparable across runs, architectures, losses and tools, and that read against the floor
// real data reaches.
//
// The yardstick is a small convolutional classifier per MNIST-style dataset (the Extractor),
// trained by gogan's own engine with a fixed seed on the dataset's training split, or, where
// only a test split is present, on a fixed part of it, and cached as safetensors. Images are
// compared in its penultimate features (FeatureSize values per image) and its class
// probabilities:
//
//   - the Fréchet distance between Gaussians fitted to the two feature sets (FrechetDistance);
//   - the classifier score exp E[KL(p(y|x) ‖ p(y))], the analogue of the Inception score
//     (ClassifierScore);
//   - precision and recall on k-nearest-neighbour manifolds, k = 3 (PrecisionRecall, after
//     Kynkäänniemi et al., "Improved precision and recall metric for assessing generative
//     models", 2019).
//
// These are not the Inception FID or Inception score: the features are those of a 28×28
// classifier trained by gogan, so the numbers compare only with other numbers from the same
// extractor version on the same dataset. An Evaluator therefore reports each metric next to
// its real-versus-real baseline (a sample of one real split against another, or against the
// other half of a lone split), computed in the same run with the same number of images, since
// the Fréchet distance and the manifold estimates all depend on the sample size.
//
// Where a dataset has only a test split (MNIST here), the extractor learns from 80% of it and
// is measured on the rest, and the reference and baseline are its two halves, so both hold
// images the extractor has seen; the descriptions in a Report say so.
//
// An image folder (Options.Dataset a folder) gets an extractor of its own, trained on first
// use and cached under the folder's fingerprint (data.FolderFingerprint: a stat per file). It
// reads 3×32×32 images: colour is what tells photos apart, 32 pixels is the smallest side at
// which CIFAR-sized objects stay recognisable, and it keeps training to under a minute per
// thousand images on two cores; larger images are downscaled as the data package does, gray
// ones repeated in the three planes. A folder with class subfolders gets a classifier of its
// classes. A folder without labels gets the same network trained to tell by how many quarter
// turns an image was rotated (Gidaris et al., "Unsupervised representation learning by
// predicting image rotations", 2018): the cheapest well-known self-supervised task that the
// classifier's training code runs unchanged (four classes, labels made per batch), and one
// that needs the network to see the objects' shapes and orientation; contrastive methods
// would need large batches and augmentations the engine lacks. Its features are compared as
// a classifier's, without the classifier score. The extractor learns from a seeded 80% of the
// folder; the reference and baseline are its two halves, as for a lone split.
//
// A trainer makes an Evaluator once and scores its generator every so often:
//
//	ev, err := metrics.NewEvaluator(metrics.Options{Dataset: "fashion-mnist", N: 2000, Backend: b})
//	z := train.FixedLatents(seed, ev.N(), nz)
//	scores, err := ev.Score(metrics.FromGenerator(g, z, batchSize))
//
// The k-NN manifold is sensitive to outliers: a few real outliers have wide balls, so images
// far from anything real, such as uniform noise, can land inside them and count as precise.
// Read precision with recall and the Fréchet distance, never alone.
package metrics
