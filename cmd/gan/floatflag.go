package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// float32Value is a flag.Value over a float32 setting, so that the configuration's float32
// fields bind as directly as its ints and strings. It parses at float64 and rounds once, as
// the configuration always has, and refuses NaN and the infinities: no setting of gogan means
// anything at them.
type float32Value struct{ p *float32 }

func (v float32Value) String() string {
	if v.p == nil {
		return "0"
	}
	return strconv.FormatFloat(float64(*v.p), 'g', -1, 32)
}

func (v float32Value) Set(s string) error {
	f, err := parseFiniteFloat32(s)
	if err == nil {
		*v.p = f
	}
	return err
}

// optFloat32Value is a flag.Value over a float32 setting that may be left unset (nil), for a
// setting that falls back on another one when not given (--lr-g on --lr).
type optFloat32Value struct{ p **float32 }

func (v optFloat32Value) String() string {
	if v.p == nil || *v.p == nil {
		return ""
	}
	return strconv.FormatFloat(float64(**v.p), 'g', -1, 32)
}

func (v optFloat32Value) Set(s string) error {
	f, err := parseFiniteFloat32(s)
	if err == nil {
		*v.p = &f
	}
	return err
}

func parseFiniteFloat32(s string) (float32, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errors.New("parse error") // the words of the flag package's own float flags
	}
	f32 := float32(f)
	if math.IsNaN(f) || math.IsInf(float64(f32), 0) {
		return 0, fmt.Errorf("%s is not a finite number", s)
	}
	return f32, nil
}
