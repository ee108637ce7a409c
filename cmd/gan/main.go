// Command gan trains DCGAN generators, makes sample grids from checkpoints and measures them.
//
// Usage: gan <command> [flags]; gan help lists the commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"sort"
	"strings"
)

// command is one subcommand: run parses its own flags from args.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// commands is filled by the init functions of the files that define each subcommand.
var commands = map[string]command{}

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) error) {
	commands[name] = command{summary: summary, run: run}
}

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain is the whole command behind main, returning the exit status, so that tests can run
// it in-process.
func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
	}
	stderr, flush := newMessageWriter(stderr)
	defer flush()
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "gan: unknown command %q; run 'gan help' for the list\n", args[0])
		return 2
	}
	stdout, output := checkOutput(stdout)
	err := cmd.run(args[1:], stdout, stderr)
	if err == nil && output.err != nil {
		err = fmt.Errorf("standard output: %w", output.err)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		// The flag package has already printed the problem.
		return 2
	default:
		fmt.Fprintf(stderr, "gan %s: %v\n", args[0], err)
		var ec interface{ ExitCode() int }
		if errors.As(err, &ec) {
			return ec.ExitCode()
		}
		return 1
	}
}

// errUsage reports bad flags that the flag package has already described.
var errUsage = errors.New("usage error")

// usageError is a bad flag or argument: reported as any error is, with exit status 2.
type usageError struct{ error }

func (usageError) ExitCode() int { return 2 }

// newFlagSet makes a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gan "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args: a bad flag is one line that names it, -h prints the flag listing;
// stray arguments are rejected.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(out, "Usage of %s:\n", fs.Name())
		fs.PrintDefaults()
		return err
	case err != nil:
		return usageError{fmt.Errorf("%v ('%s -h' lists the flags)", err, fs.Name())}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// The flag package reads 016 as octal 14 and takes NaN and Inf as numbers: a count is
	// written in decimal, and no setting of gan's is infinite or not a number.
	for i, a := range args {
		if a == "--" {
			break
		}
		name, value, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || fs.Lookup(name) == nil {
			continue
		}
		if !inline && i+1 < len(args) {
			value = args[i+1]
		}
		getter, ok := fs.Lookup(name).Value.(flag.Getter)
		if !ok {
			continue // a flag of its own type parses its own values
		}
		switch v := getter.Get().(type) {
		case int, int64, uint, uint64:
			if (inline || i+1 < len(args)) && !decimal.MatchString(value) {
				return usageError{fmt.Errorf("-%s %s: write counts in decimal digits, without a leading zero or a base prefix", name, value)}
			}
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return usageError{fmt.Errorf("-%s %v: must be a finite number", name, v)}
			}
		}
	}
	return nil
}

// decimal matches a count as a user means it: no leading zero, no base prefix.
var decimal = regexp.MustCompile(`^[+-]?(0|[1-9][0-9]*)$`)

func usage(w io.Writer) {
	fmt.Fprintln(w, "gan: train DCGAN generators, make sample grids, measure them")
	fmt.Fprintln(w, "\nUsage: gan <command> [flags]   (gan <command> -h for its flags)\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}
