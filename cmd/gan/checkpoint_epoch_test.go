package main

import "testing"

// TestCheckpointEpochBeyondSteps gives a checkpoint whose metadata puts it at epoch 1e9,
// which its steps cannot have reached: resuming and generating from it are refused in one
// line naming the field, where it was once accepted.
func TestCheckpointEpochBeyondSteps(t *testing.T) {
	f := newBadInputFixture(t)
	ck := rewriteCheckpoint(t, f.ck, f.path("epoch.safetensors"), all, func(m map[string]string) { m["epoch"] = "1000000000" })
	res := gan(t, "train", "--resume", ck, "--steps", "1000", "--out", f.path("resumed"))
	expectOneLineError(t, res, ck, "epoch 1000000000")
}
