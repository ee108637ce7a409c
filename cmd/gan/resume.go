package main

import (
	"flag"
	"fmt"

	"gogan/run"
)

// resumeConfig is the checkpoint's configuration with the resumable flags that were given
// (set) applied from cfg, and the unrecorded ones always, after checking that every fixed flag
// given has the checkpoint's value. The rules are trainFlagTable's.
func resumeConfig(fs *flag.FlagSet, set map[string]bool, cfg run.Config, ck *run.Checkpoint) (run.Config, error) {
	base := ck.Config
	for name := range set {
		f, ok := trainFlagByName[name]
		switch {
		case !ok:
			return base, fmt.Errorf("--%s cannot be given when resuming (the checkpoint's configuration is used)", name)
		case f.kind != fixed:
			continue
		}
		if was, same := f.sameAsCheckpoint(cfg, base); !same {
			given := fs.Lookup(name).Value.String()
			return base, fmt.Errorf("--%s cannot change when resuming: was %s, now %s (the checkpoint's configuration is used)", name, was, given)
		}
	}
	for i := range trainFlagTable {
		if f := &trainFlagTable[i]; f.kind == notRecorded || f.kind == resumable && set[f.name] {
			f.applyTo(&base, cfg)
		}
	}
	return base, nil
}
