package data

// Image folders may hold WebP and BMP files besides PNG, JPEG and GIF: registering the
// decoders of golang.org/x/image makes image.Decode, and so the folder reader, know them.
import (
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"
)
