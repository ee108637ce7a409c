package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gogan/checkpoints"
	"gogan/run"
)

// badInputFixture holds what the bad-input cases start from: a dataset, a trained run's
// checkpoint, and folders and files of every kind of damage.
type badInputFixture struct {
	dir, data, ck, file string
}

func newBadInputFixture(t *testing.T) badInputFixture {
	t.Helper()
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	out := filepath.Join(dir, "run")
	mustGan(t, trainArgs(data, out, "--steps", "2")...)
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, []byte("not a folder\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return badInputFixture{dir: dir, data: data, ck: filepath.Join(out, "checkpoints", "latest.safetensors"), file: file}
}

// path names a new file in the fixture's folder.
func (f badInputFixture) path(name string) string { return filepath.Join(f.dir, name) }

// write writes a file into the fixture's folder and returns its path.
func (f badInputFixture) write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := f.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBadTrainInput runs gan train on bad input of every kind the issue lists and checks that
// each fails with one short line that names the problem, and no panic.
func TestBadTrainInput(t *testing.T) {
	f := newBadInputFixture(t)
	images := readFile(t, filepath.Join(f.data, "train-images-idx3-ubyte.gz"))
	labels := readFile(t, filepath.Join(f.data, "train-labels-idx1-ubyte.gz"))
	cut := filepath.Join("cut", "mnist")
	f.write(t, filepath.Join(cut, "train-images-idx3-ubyte.gz"), images[:len(images)/2])
	f.write(t, filepath.Join(cut, "train-labels-idx1-ubyte.gz"), labels)
	junk := filepath.Join("junk", "mnist")
	f.write(t, filepath.Join(junk, "train-images-idx3-ubyte"), []byte("this is not an IDX file at all"))
	f.write(t, filepath.Join(junk, "train-labels-idx1-ubyte.gz"), labels)
	if err := os.MkdirAll(f.path("empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := f.path("out")
	train := func(extra ...string) []string {
		return trainArgs(f.data, out, append([]string{"--steps", "2"}, extra...)...)
	}

	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"missing-dataset", trainArgs(f.path("empty"), out, "--steps", "2"), []string{"train-images-idx3-ubyte.gz", f.path("empty"), "gan download mnist"}},
		{"cut-idx", trainArgs(f.path(cut), out, "--steps", "2"), []string{filepath.Join(f.path(cut), "train-images-idx3-ubyte.gz"), "cut short"}},
		{"not-idx", trainArgs(f.path(junk), out, "--steps", "2"), []string{filepath.Join(f.path(junk), "train-images-idx3-ubyte"), "not an IDX file"}},
		{"unknown-loss", train("--loss", "wasserstein-gp"), []string{`"wasserstein-gp"`, "nonsaturating"}},
		{"unknown-arch", train("--arch", "dcgan99"), []string{`"dcgan99"`, "dcgan28"}},
		{"unknown-device", train("--device", "tpu"), []string{`"tpu"`, "cpu"}},
		{"unknown-split", train("--split", "val"), []string{`"val"`, "train or test"}},
		{"unknown-dataset", append([]string{"train", "--dataset", "cifar-11", "--out", out}, tinyNet...), []string{`"cifar-11"`, "fashion-mnist"}},
		{"batch-size-0", train("--batch-size", "0"), []string{"batch size 0"}},
		{"batch-size-above-dataset", train("--batch-size", "41"), []string{"41", "40 images"}},
		{"negative-lr", train("--lr", "-0.001"), []string{"learning rate -0.001"}},
		{"beta1-1", train("--beta1", "1"), []string{"betas 1"}},
		{"d-steps-0", train("--d-steps", "0"), []string{"d-steps 0"}},
		{"keep-0", train("--keep", "0"), []string{"keep 0"}},
		{"nc-2", train("--nc", "2"), []string{"channels", "2"}},
		{"image-size-30", train("--image-size", "30"), []string{"30", "dcgan28"}},
		{"image-size-100000", train("--image-size", "100000"), []string{"--image-size 100000", "give --image-size 28 or 64"}},
		{"out-under-a-file", trainArgs(f.data, filepath.Join(f.file, "run"), "--steps", "2"), []string{f.file, "not a directory"}},
		{"out-is-a-file", trainArgs(f.data, f.file, "--steps", "2"), []string{f.file}},
		{"stray-argument", append(train(), "extra"), []string{`"extra"`}},
		{"resume-changes-nz", []string{"train", "--resume", f.ck, "--nz", "16"}, []string{"--nz", "resuming"}},
		{"tf32-on-cpu", append([]string{"train", "--data", f.data, "--device", "cpu", "--tf32", "--out", f.path("tf32")}, tinyNet...), []string{"--tf32", "--device cuda"}},
		{"bench-tf32-on-cpu", []string{"bench", "--device", "cpu", "--tf32"}, []string{"--tf32", "--device cuda"}},
		{"resume-missing", []string{"train", "--resume", f.path("none.safetensors")}, []string{f.path("none.safetensors"), "no such file"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectOneLineError(t, gan(t, c.args...), c.want...)
			if _, err := os.Stat(filepath.Join(out, "checkpoints", "latest.safetensors")); err == nil {
				t.Errorf("a failed run wrote a checkpoint")
			}
		})
	}
}

// TestBadFlagSyntax checks that a flag the command does not know, or a value that does not
// parse, is a usage error of one line that names the flag and says where the flags are
// listed, not the whole flag listing.
func TestBadFlagSyntax(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--bogus"}, "-bogus"},
		{[]string{"train", "--batch-size", "eight"}, "-batch-size"},
		{[]string{"generate", "--seed", "-1"}, "-seed"},
		{[]string{"toy", "--steps", "1e3"}, "-steps"},
		{[]string{"bench", "--json=maybe"}, "-json"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			res := gan(t, c.args...)
			if res.code != 2 {
				t.Errorf("exit status %d, want 2 for a usage error", res.code)
			}
			expectOneLineError(t, res, c.want, "-h")
		})
	}
}

// TestUnknownCommand checks the answer to a subcommand that does not exist, and that help
// lists the subcommands and succeeds.
func TestUnknownCommand(t *testing.T) {
	res := gan(t, "trian", "--steps", "1")
	if res.code != 2 {
		t.Errorf("exit status %d, want 2", res.code)
	}
	expectOneLineError(t, res, `"trian"`, "gan help")

	help := gan(t, "help")
	if help.code != 0 {
		t.Errorf("gan help: exit status %d", help.code)
	}
	for _, name := range []string{"train", "generate", "toy", "bench", "info"} {
		if !strings.Contains(help.stdout, "\n  "+name+" ") {
			t.Errorf("gan help does not list %s:\n%s", name, help.stdout)
		}
	}
	if res := gan(t); res.code == 0 || !strings.Contains(res.stdout, "Usage") {
		t.Errorf("gan without a command: exit %d, stdout %q; want usage and a failure", res.code, res.stdout)
	}
}

// safetensorsBytes assembles a safetensors file from a header and a data section.
func safetensorsBytes(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

// rewriteCheckpoint copies a checkpoint with its tensors filtered and its metadata edited.
func rewriteCheckpoint(t *testing.T, src, dst string, keep func(string) (string, bool), edit func(meta map[string]string)) string {
	t.Helper()
	ts, meta := copyTensors(t, src, keep)
	edit(meta)
	if err := checkpoints.Write(dst, ts, meta); err != nil {
		t.Fatal(err)
	}
	return dst
}

// editConfig returns a metadata edit that changes the configuration inside a checkpoint.
func editConfig(t *testing.T, change func(c *run.Config)) func(map[string]string) {
	return func(meta map[string]string) {
		c, err := run.UnmarshalConfig(meta["config"])
		if err != nil {
			t.Fatal(err)
		}
		change(&c)
		meta["config"] = run.MarshalConfig(c)
	}
}

// badCheckpoints are damaged, hostile or mismatched checkpoints made from a good one, each
// with what its error must say.
func badCheckpoints(t *testing.T, f badInputFixture) []struct {
	name, path string
	want       []string
} {
	good := readFile(t, f.ck)
	setMeta := func(key, value string) func(map[string]string) {
		return func(m map[string]string) { m[key] = value }
	}
	without := func(drop string) func(string) (string, bool) {
		return func(name string) (string, bool) { return name, name != drop }
	}
	type bad = struct {
		name, path string
		want       []string
	}
	return []bad{
		{"empty", f.write(t, "empty.safetensors", nil), []string{"too short"}},
		{"truncated", f.write(t, "truncated.safetensors", good[:len(good)/2]), []string{"beyond"}},
		{"header-length-beyond-file", f.write(t, "long-header.safetensors", safetensorsBytes(`{}`, nil)[:8]), []string{"header length"}},
		{"header-length-huge", f.write(t, "huge-header.safetensors", append(binary.LittleEndian.AppendUint64(nil, 1<<62), "{}"...)), []string{"header length"}},
		{"header-not-json", f.write(t, "not-json.safetensors", safetensorsBytes(`{"generator.0.weight": [1, 2`, nil)), nil},
		{"offsets-beyond-file", f.write(t, "offsets.safetensors",
			safetensorsBytes(`{"generator.0.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 4))), []string{"generator.0.weight"}},
		{"absurd-shape", f.write(t, "shape.safetensors",
			safetensorsBytes(`{"generator.0.weight":{"dtype":"F32","shape":[1000000000,1000000000,1000000000],"data_offsets":[0,8]}}`, make([]byte, 8))), []string{"generator.0.weight"}},
		{"negative-shape", f.write(t, "negative.safetensors",
			safetensorsBytes(`{"generator.0.weight":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, make([]byte, 8))), []string{"generator.0.weight"}},
		{"state-dict-not-checkpoint", rewriteCheckpoint(t, f.ck, f.path("plain.safetensors"), all, func(m map[string]string) { clear(m) }), []string{"not a gogan training checkpoint"}},
		{"config-not-json", rewriteCheckpoint(t, f.ck, f.path("config.safetensors"), all, setMeta("config", "{")), []string{"config"}},
		{"step-negative", rewriteCheckpoint(t, f.ck, f.path("step.safetensors"), all, setMeta("step", "-3")), []string{"step", "-3"}},
		{"rng-garbage", rewriteCheckpoint(t, f.ck, f.path("rng.safetensors"), all, setMeta("z_rng", "zz")), []string{"latent generator"}},
		{"tensor-missing", rewriteCheckpoint(t, f.ck, f.path("missing.safetensors"), without("generator.3.weight"), func(map[string]string) {}), []string{"generator.3.weight"}},
		{"another-arch", rewriteCheckpoint(t, f.ck, f.path("dcgan64.safetensors"), all, editConfig(t, func(c *run.Config) {
			c.Arch, c.ImageSize = "dcgan64", 64
		})), []string{"generator.0.weight"}},
		{"another-nz", rewriteCheckpoint(t, f.ck, f.path("nz.safetensors"), all, editConfig(t, func(c *run.Config) { c.NZ = 16 })), []string{"generator.0.weight"}},
		{"unknown-arch", rewriteCheckpoint(t, f.ck, f.path("arch.safetensors"), all, editConfig(t, func(c *run.Config) { c.Arch = "resnet" })), []string{`"resnet"`}},
	}
}

// TestBadCheckpoint loads damaged, hostile and mismatched checkpoints with gan generate and
// gan train --resume.
func TestBadCheckpoint(t *testing.T) {
	f := newBadInputFixture(t)
	for _, c := range badCheckpoints(t, f) {
		t.Run(c.name, func(t *testing.T) {
			want := append([]string{c.path}, c.want...)
			expectOneLineError(t, gan(t, "generate", "--checkpoint", c.path, "--out", f.path("grid.png")), want...)
			expectOneLineError(t, gan(t, "train", "--resume", c.path, "--out", f.path("resumed")), want...)
		})
	}
}

// TestBadWeights loads state dicts that do not fit the generator the flags describe.
func TestBadWeights(t *testing.T) {
	f := newBadInputFixture(t)
	gen := func(name string) (string, bool) {
		return strings.TrimPrefix(name, "generator."),
			strings.HasPrefix(name, "generator.") && !strings.HasSuffix(name, ".num_batches_tracked")
	}
	weights := rewriteCheckpoint(t, f.ck, f.path("g.safetensors"), gen, func(m map[string]string) { clear(m) })
	base := []string{"generate", "--weights", weights, "--nz", "8", "--ngf", "4", "--out", f.path("grid.png")}
	mustGan(t, base...)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"dcgan64", append(base, "--arch", "dcgan64"), []string{weights, "--arch dcgan64", "dcgan28 generator"}},
		{"nz", append(base, "--nz", "100"), []string{weights, "--nz 100"}},
		{"nc", append(base, "--nc", "3"), []string{weights, "--nc 3"}},
		// Sizes the file does not back are refused before anything of their size is allocated.
		{"ngf-absurd", append(base, "--ngf", "1000000000"), []string{weights, "--ngf 1000000000"}},
		{"training-checkpoint", []string{"generate", "--weights", f.ck, "--nz", "8", "--ngf", "4"}, []string{f.ck, "--checkpoint"}},
		{"both", []string{"generate", "--weights", weights, "--checkpoint", f.ck}, []string{"exactly one"}},
		{"neither", []string{"generate"}, []string{"exactly one"}},
		{"n-0", append(base, "--n", "0"), []string{"--n"}},
		{"n-absurd", append(base, "--n", "1000000000"), []string{"--n"}},
		{"interpolate-1", append(base, "--interpolate", "1"), []string{"--interpolate"}},
		{"unknown-device", append(base, "--device", "tpu"), []string{`"tpu"`}},
		{"out-under-a-file", append(base, "--out", filepath.Join(f.file, "grid.png")), []string{f.file}},
		{"out-dir-under-a-file", append(base, "--force", "--out-dir", filepath.Join(f.file, "each")), []string{f.file}},
		{"out-npy-under-a-file", append(base, "--force", "--out-npy", filepath.Join(f.file, "x.npy")), []string{f.file}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expectOneLineError(t, gan(t, c.args...), c.want...) })
	}
}

// TestBadToyAndBenchInput checks the flags of the toy and of the benchmark.
func TestBadToyAndBenchInput(t *testing.T) {
	f := newBadInputFixture(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"toy", "--loss", "focal", "--out", f.dir}, `"focal"`},
		{[]string{"toy", "--lr", "-1", "--out", f.dir}, "lr"},
		{[]string{"toy", "--batch-size", "0", "--out", f.dir}, "batch size"},
		{[]string{"toy", "--steps", "0", "--out", f.dir}, "steps"},
		{[]string{"toy", "--steps", "2", "--out", filepath.Join(f.file, "toy")}, f.file},
		{[]string{"bench", "--arch", "dcgan32"}, `"dcgan32"`},
		{[]string{"bench", "--batch-size", "0"}, "batch size"},
		{[]string{"bench", "--steps", "0"}, "steps"},
		{[]string{"bench", "--device", "tpu"}, `"tpu"`},
	} {
		t.Run(strings.Join(c.args[:3], " "), func(t *testing.T) { expectOneLineError(t, gan(t, c.args...), c.want) })
	}
}

// TestExplicitArch trains with --arch given and --nc left to the dataset, which once failed
// as if nc 0 were a bad size.
func TestExplicitArch(t *testing.T) {
	dir := trainTiny(t, 1, "--arch", "dcgan28")
	ck, err := run.LoadCheckpoint(filepath.Join(dir, "checkpoints", "latest.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if ck.Config.Arch != "dcgan28" || ck.Config.NC != 1 {
		t.Errorf("checkpoint config arch %q nc %d, want dcgan28 and the dataset's 1", ck.Config.Arch, ck.Config.NC)
	}
}
