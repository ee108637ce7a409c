//go:build !unix

package run

import "os"

// lockFolder does not lock outside Unix, where flock is missing: two runs into one folder
// are then the user's to avoid.
func lockFolder(dir string) (*os.File, error) { return nil, nil }
