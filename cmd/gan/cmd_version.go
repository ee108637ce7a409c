package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

func init() {
	register("version", "print gogan's version, commit and build flavour (also gan --version)", runVersion)
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	if err := parseFlags(newFlagSet("version", stderr), args); err != nil {
		return err
	}
	info, ok := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionLine(info, ok))
	return nil
}

// versionLine says which gogan this is: the module version ("(devel)" for a build from a
// checkout), the commit and its time that the go command stamps into builds from a git
// checkout, whether the tree had changes, and the flavour, cpu or cuda (the first word of
// buildFlavour, whose rest is advice for gan info).
func versionLine(info *debug.BuildInfo, ok bool) string {
	flavour := strings.Fields(buildFlavour)[0]
	if !ok {
		return fmt.Sprintf("gogan (version unknown: no build information) %s", flavour)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	commit := "commit unknown (built without version control information)"
	if rev := settings["vcs.revision"]; rev != "" {
		commit = "commit " + rev
		if t := settings["vcs.time"]; t != "" {
			commit += " of " + t
		}
		if settings["vcs.modified"] == "true" {
			commit += " with uncommitted changes"
		}
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	return fmt.Sprintf("gogan %s, %s, %s, %s build", version, commit, info.GoVersion, flavour)
}
