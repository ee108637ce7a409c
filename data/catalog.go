package data

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// RemoteFile is one file as the mirrors publish it.
type RemoteFile struct {
	Name   string // file name on the mirrors, and on disk once fetched
	Size   int64  // bytes
	SHA256 string // lower-case hex
	Split  string // "train" or "test"; empty for an archive that holds every split
}

// Source is a named dataset: its files, where to fetch them and where a system package puts
// them.
type Source struct {
	Name    string // catalog key, as given to --dataset and gan download
	Title   string // human name
	Classes int    // number of label values, counting from 0
	Mirrors []string
	// Files are fetched from the mirrors. For EMNIST it is the one archive of all splits,
	// from which Open's files are extracted.
	Files []RemoteFile
	// Prefix and TestWord spell the IDX file names: Prefix + ("train" or TestWord) +
	// "-images-idx3-ubyte.gz" (or "-labels-idx1-ubyte.gz").
	Prefix, TestWord string
	// Transposed marks datasets stored column-major (EMNIST); Open turns them upright.
	Transposed bool
	// ClassNames name the label values; nil means their numbers.
	ClassNames []string
	SystemDirs []string // folders a system package installs the files to
	Package    string   // that Debian package
}

// IDXFiles returns the file names of a split's images and labels.
func (s *Source) IDXFiles(split string) (images, labels string) {
	word := "train"
	if split == "test" {
		word = s.TestWord
	}
	return s.Prefix + word + "-images-idx3-ubyte.gz", s.Prefix + word + "-labels-idx1-ubyte.gz"
}

// archived reports whether the files come inside one archive rather than one by one.
func (s *Source) archived() bool { return len(s.Files) == 1 && s.Files[0].Split == "" }

// The sums are those published by TensorFlow Datasets (url_checksums/*.txt) for the
// canonical files; for MNIST and KMNIST torchvision lists the same files. EMNIST's are the
// archive's: the files inside it are checked by the archive's own CRC-32s once its SHA-256
// has been verified.
var (
	mnistFiles = []RemoteFile{
		{"train-images-idx3-ubyte.gz", 9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", "train"},
		{"train-labels-idx1-ubyte.gz", 28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", "train"},
		{"t10k-images-idx3-ubyte.gz", 1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", "test"},
		{"t10k-labels-idx1-ubyte.gz", 4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", "test"},
	}
	fashionFiles = []RemoteFile{
		{"train-images-idx3-ubyte.gz", 26421880, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", "train"},
		{"train-labels-idx1-ubyte.gz", 29515, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", "train"},
		{"t10k-images-idx3-ubyte.gz", 4422102, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", "test"},
		{"t10k-labels-idx1-ubyte.gz", 5148, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", "test"},
	}
	kmnistFiles = []RemoteFile{
		{"train-images-idx3-ubyte.gz", 18165135, "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4", "train"},
		{"train-labels-idx1-ubyte.gz", 29497, "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17", "train"},
		{"t10k-images-idx3-ubyte.gz", 3041136, "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5", "test"},
		{"t10k-labels-idx1-ubyte.gz", 5120, "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c", "test"},
	}
	emnistArchive = []RemoteFile{
		{"gzip.zip", 561753746, "fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e", ""},
	}
	emnistMirrors = []string{
		"https://biometrics.nist.gov/cs_links/EMNIST/",
		"https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/",
	}
)

// emnistArchiveDir is the folder inside EMNIST's gzip.zip that holds the IDX files.
const emnistArchiveDir = "gzip/"

// Catalog lists the named datasets by name.
var Catalog = map[string]*Source{
	"mnist": {
		Name: "mnist", Title: "MNIST", Classes: 10, Files: mnistFiles, TestWord: "t10k",
		Mirrors: []string{
			"https://ossci-datasets.s3.amazonaws.com/mnist/",
			"https://storage.googleapis.com/cvdf-datasets/mnist/",
			"http://yann.lecun.com/exdb/mnist/",
		},
	},
	"fashion-mnist": {
		Name: "fashion-mnist", Title: "Fashion-MNIST", Classes: 10, Files: fashionFiles, TestWord: "t10k",
		ClassNames: []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"},
		Mirrors: []string{
			"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
			"https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
		},
		SystemDirs: []string{"/usr/share/datasets/fashion-mnist"},
		Package:    "dataset-fashion-mnist",
	},
	"kmnist": {
		Name: "kmnist", Title: "Kuzushiji-MNIST", Classes: 10, Files: kmnistFiles, TestWord: "t10k",
		// kmnist_classmap.csv's hiragana お き す つ な は ま や れ を, romanised: the grids'
		// font draws ASCII only.
		ClassNames: []string{"o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"},
		Mirrors: []string{
			"https://codh.rois.ac.jp/kmnist/dataset/kmnist/",
			"http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
		},
	},
	"emnist-balanced": emnist("balanced", 47),
	"emnist-byclass":  emnist("byclass", 62),
	"emnist-bymerge":  emnist("bymerge", 47),
	"emnist-digits":   emnist("digits", 10),
	// The letters split labels its 26 classes 1 to 26; 0 is unused.
	"emnist-letters": emnist("letters", 27),
	"emnist-mnist":   emnist("mnist", 10),
}

func emnist(split string, classes int) *Source {
	return &Source{
		Name: "emnist-" + split, Title: "EMNIST " + split, Classes: classes,
		Files: emnistArchive, Mirrors: emnistMirrors,
		Prefix: "emnist-" + split + "-", TestWord: "test", Transposed: true,
		ClassNames: emnistNames(split),
	}
}

// emnistNames are the characters of an EMNIST split's labels, as its mapping files give them
// (and torchvision's EMNIST.classes): the digits, then the capitals, then the small letters
// that the split keeps apart from their capitals. The letters split merges the cases into
// labels 1 to 26 and leaves 0 unused.
func emnistNames(split string) []string {
	const digits, capitals, smalls = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
	chars := digits
	switch split {
	case "byclass":
		chars = digits + capitals + smalls
	case "balanced", "bymerge":
		chars = digits + capitals + "abdefghnqrt" // the small letters unlike their capitals
	case "letters":
		return append([]string{"N/A"}, strings.Split(smalls, "")...)
	}
	return strings.Split(chars, "")
}

// Names gives the names of the label values: ClassNames, or the numbers.
func (s *Source) Names() []string {
	if s.ClassNames != nil {
		return append([]string(nil), s.ClassNames...)
	}
	names := make([]string, s.Classes)
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return names
}

// Names lists the catalog's dataset names in order.
func Names() []string {
	names := make([]string, 0, len(Catalog))
	for n := range Catalog {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// IsFolder reports whether a --dataset value means a folder of images rather than a named
// dataset. A catalog name always means the dataset, even beside a folder of that name (as
// in $GOGAN_DATA itself); any other value that is a directory or a path means a folder.
func IsFolder(name string) bool {
	if _, ok := Catalog[strings.ToLower(name)]; ok && !strings.ContainsRune(name, os.PathSeparator) {
		return false
	}
	st, err := os.Stat(name)
	return err == nil && st.IsDir() || strings.ContainsRune(name, os.PathSeparator) || IsPack(name)
}

// lookup finds a named dataset, or says which names exist.
func lookup(name string) (*Source, error) {
	src, ok := Catalog[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("unknown dataset %q; known: %s", name, strings.Join(Names(), ", "))
	}
	return src, nil
}
