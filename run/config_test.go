package run

import (
	"strings"
	"testing"
)

func TestConfigRecordsOnlyTheStoppingRuleInForce(t *testing.T) {
	steps := MarshalConfig(Config{Epochs: 25, Steps: 400})
	if strings.Contains(steps, `"epochs"`) || !strings.Contains(steps, `"steps": 400`) {
		t.Errorf("--steps 400 beside the default --epochs 25:\n%s", steps)
	}
	epochs := MarshalConfig(Config{Epochs: 25})
	if !strings.Contains(epochs, `"epochs": 25`) || strings.Contains(epochs, `"steps"`) {
		t.Errorf("--epochs 25:\n%s", epochs)
	}
	back, err := UnmarshalConfig(steps)
	if err != nil || back.Steps != 400 || back.Epochs != 0 {
		t.Errorf("read back: %+v, %v", back, err)
	}
}
