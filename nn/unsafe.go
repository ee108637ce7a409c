package nn

import "unsafe"

// uintptrOf is the address of a slice's first element, to find a view's offset in its arena.
func uintptrOf(s []float32) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(s))) }
