//go:build amd64 && !purego

#include "go_asm.h"
#include "textflag.h"

// The lanes of a 32-float pair of vectors that hold even and odd elements.
DATA evenLanes<>+0(SB)/4, $0
DATA evenLanes<>+4(SB)/4, $2
DATA evenLanes<>+8(SB)/4, $4
DATA evenLanes<>+12(SB)/4, $6
DATA evenLanes<>+16(SB)/4, $8
DATA evenLanes<>+20(SB)/4, $10
DATA evenLanes<>+24(SB)/4, $12
DATA evenLanes<>+28(SB)/4, $14
DATA evenLanes<>+32(SB)/4, $16
DATA evenLanes<>+36(SB)/4, $18
DATA evenLanes<>+40(SB)/4, $20
DATA evenLanes<>+44(SB)/4, $22
DATA evenLanes<>+48(SB)/4, $24
DATA evenLanes<>+52(SB)/4, $26
DATA evenLanes<>+56(SB)/4, $28
DATA evenLanes<>+60(SB)/4, $30
GLOBL evenLanes<>(SB), RODATA|NOPTR, $64

DATA oddLanes<>+0(SB)/4, $1
DATA oddLanes<>+4(SB)/4, $3
DATA oddLanes<>+8(SB)/4, $5
DATA oddLanes<>+12(SB)/4, $7
DATA oddLanes<>+16(SB)/4, $9
DATA oddLanes<>+20(SB)/4, $11
DATA oddLanes<>+24(SB)/4, $13
DATA oddLanes<>+28(SB)/4, $15
DATA oddLanes<>+32(SB)/4, $17
DATA oddLanes<>+36(SB)/4, $19
DATA oddLanes<>+40(SB)/4, $21
DATA oddLanes<>+44(SB)/4, $23
DATA oddLanes<>+48(SB)/4, $25
DATA oddLanes<>+52(SB)/4, $27
DATA oddLanes<>+56(SB)/4, $29
DATA oddLanes<>+60(SB)/4, $31
GLOBL oddLanes<>(SB), RODATA|NOPTR, $64

// func fourTapsAVX512(a *fourTapArgs)
//
// AX: the arguments; R8: col at image n; R9: bytes between col's rows; R10: the image
// plane of image n; R11: images left; R12: column row oh; DI: col at row oh; SI: image row
// ih at pixel 2·x0−P; DX: col at row oh and position x0; BX: the masks of block b; R14:
// blocks left. Loads are masked, so pixels left of the row (SI below the row's start) are
// never read.
TEXT ·fourTapsAVX512(SB), NOSPLIT, $0-8
	MOVQ      a+0(FP), AX
	MOVQ      fourTapArgs_col(AX), R8
	MOVQ      fourTapArgs_ld(AX), R9
	SHLQ      $2, R9
	MOVQ      fourTapArgs_img(AX), R10
	MOVQ      fourTapArgs_nb(AX), R11
	VMOVDQU32 evenLanes<>(SB), Z30
	VMOVDQU32 oddLanes<>(SB), Z31
	VPXORD    Z29, Z29, Z29

image:
	TESTQ R11, R11
	JZ    done
	MOVQ  R8, DI
	XORQ  R12, R12

row:
	CMPQ R12, fourTapArgs_oh(AX)
	JGE  nextImage
	MOVQ R12, R13
	SHLQ $1, R13
	SUBQ fourTapArgs_p(AX), R13
	ADDQ fourTapArgs_ki(AX), R13     // ih = 2·oh − P + ki
	LEAQ fourTapArgs_masks(AX), BX
	MOVQ fourTapArgs_blocks(AX), R14
	MOVQ DI, DX
	CMPQ R13, fourTapArgs_h(AX)
	JAE  zeroRow                     // unsigned: ih < 0 too
	IMULQ fourTapArgs_w(AX), R13
	SUBQ  fourTapArgs_p(AX), R13     // pixel 2·0 − P of row ih
	LEAQ  (R10)(R13*4), SI

block:
	KMOVW     0(BX), K1
	KMOVW     4(BX), K2
	KMOVW     8(BX), K3
	KMOVW     12(BX), K4
	KMOVW     16(BX), K5
	VMOVUPS.Z (SI), K1, Z0    // pixels 2·x0−P + 0..15
	VMOVUPS.Z 64(SI), K2, Z1  // + 16..31
	VMOVUPS.Z 8(SI), K3, Z2   // + 2..17
	VMOVUPS.Z 72(SI), K4, Z3  // + 18..33
	VMOVAPS   Z0, Z4
	VPERMT2PS Z1, Z30, Z4     // even: kj = 0
	VPERMT2PS Z1, Z31, Z0     // odd: kj = 1
	VMOVAPS   Z2, Z5
	VPERMT2PS Z3, Z30, Z5     // kj = 2
	VPERMT2PS Z3, Z31, Z2     // kj = 3
	VMOVUPS   Z4, K5, (DX)
	VMOVUPS   Z0, K5, (DX)(R9*1)
	VMOVUPS   Z5, K5, (DX)(R9*2)
	LEAQ      (DX)(R9*2), R15
	VMOVUPS   Z2, K5, (R15)(R9*1)
	ADDQ      $20, BX
	ADDQ      $64, DX
	ADDQ      $128, SI
	DECQ      R14
	JNZ       block
	JMP       nextRow

zeroRow:
	KMOVW   16(BX), K5
	VMOVUPS Z29, K5, (DX)
	VMOVUPS Z29, K5, (DX)(R9*1)
	VMOVUPS Z29, K5, (DX)(R9*2)
	LEAQ    (DX)(R9*2), R15
	VMOVUPS Z29, K5, (R15)(R9*1)
	ADDQ    $20, BX
	ADDQ    $64, DX
	DECQ    R14
	JNZ     zeroRow

nextRow:
	MOVQ fourTapArgs_ow(AX), R13
	LEAQ (DI)(R13*4), DI
	INCQ R12
	JMP  row

nextImage:
	MOVQ fourTapArgs_np(AX), R13
	LEAQ (R8)(R13*4), R8
	MOVQ fourTapArgs_imgStride(AX), R13
	LEAQ (R10)(R13*4), R10
	DECQ R11
	JMP  image

done:
	VZEROUPPER
	RET

// The lanes that interleave two vectors E and O: E0 O0 E1 O1 ... E7 O7, then E8 O8 ... E15 O15.
DATA zipLow<>+0(SB)/4, $0
DATA zipLow<>+4(SB)/4, $16
DATA zipLow<>+8(SB)/4, $1
DATA zipLow<>+12(SB)/4, $17
DATA zipLow<>+16(SB)/4, $2
DATA zipLow<>+20(SB)/4, $18
DATA zipLow<>+24(SB)/4, $3
DATA zipLow<>+28(SB)/4, $19
DATA zipLow<>+32(SB)/4, $4
DATA zipLow<>+36(SB)/4, $20
DATA zipLow<>+40(SB)/4, $5
DATA zipLow<>+44(SB)/4, $21
DATA zipLow<>+48(SB)/4, $6
DATA zipLow<>+52(SB)/4, $22
DATA zipLow<>+56(SB)/4, $7
DATA zipLow<>+60(SB)/4, $23
GLOBL zipLow<>(SB), RODATA|NOPTR, $64

DATA zipHigh<>+0(SB)/4, $8
DATA zipHigh<>+4(SB)/4, $24
DATA zipHigh<>+8(SB)/4, $9
DATA zipHigh<>+12(SB)/4, $25
DATA zipHigh<>+16(SB)/4, $10
DATA zipHigh<>+20(SB)/4, $26
DATA zipHigh<>+24(SB)/4, $11
DATA zipHigh<>+28(SB)/4, $27
DATA zipHigh<>+32(SB)/4, $12
DATA zipHigh<>+36(SB)/4, $28
DATA zipHigh<>+40(SB)/4, $13
DATA zipHigh<>+44(SB)/4, $29
DATA zipHigh<>+48(SB)/4, $14
DATA zipHigh<>+52(SB)/4, $30
DATA zipHigh<>+56(SB)/4, $15
DATA zipHigh<>+60(SB)/4, $31
GLOBL zipHigh<>(SB), RODATA|NOPTR, $64

// func sumTapsAVX512(plane, col *float32, a *sumTapArgs)
//
// Image row ih is read by kernel rows A = (ih+P) mod 2 at column row oh = ⌊(ih+P)/2⌋ and
// B = A+2 at oh−1, where they exist (K6 and K7 are all ones for those that do, zero for
// those that do not, so that their loads give zeros and touch nothing).
//
// AX: the arguments; DI: image row ih at pixel 2·mFirst−P; R8: col at row (c, 0, 0);
// R9: bytes between col's rows; R10, R11: rows (c, A, 0) and (c, B, 0) at position m0 of
// the block; R12: ih; BX: the masks of block b; R14: blocks left.
TEXT ·sumTapsAVX512(SB), NOSPLIT, $0-24
	MOVQ      plane+0(FP), DI
	MOVQ      col+8(FP), R8
	MOVQ      a+16(FP), AX
	MOVQ      sumTapArgs_ld(AX), R9
	SHLQ      $2, R9
	VMOVDQU32 zipLow<>(SB), Z30
	VMOVDQU32 zipHigh<>(SB), Z31
	MOVQ      sumTapArgs_mFirst(AX), R13
	SHLQ      $1, R13
	SUBQ      sumTapArgs_p(AX), R13
	LEAQ      (DI)(R13*4), DI        // row 0 at pixel 2·mFirst − P
	XORQ      R12, R12

row:
	CMPQ R12, sumTapArgs_h(AX)
	JGE  done
	MOVQ R12, R13
	ADDQ sumTapArgs_p(AX), R13
	MOVQ R13, R14
	ANDQ $1, R14                     // kernel row A
	SHRQ $1, R13                     // its column row oh

	// K6: oh < OH; K7: 1 ≤ oh ≤ OH, that is oh−1 < OH unsigned.
	XORL  CX, CX
	MOVL  $0xffff, DX
	CMPQ  R13, sumTapArgs_oh(AX)
	CMOVLCS DX, CX
	KMOVW CX, K6
	XORL  CX, CX
	LEAQ  -1(R13), R15
	CMPQ  R15, sumTapArgs_oh(AX)
	CMOVLCS DX, CX
	KMOVW CX, K7

	// R10 = col + 4·A rows + oh·OW + mFirst floats; R11 = R10 + 8 rows − OW floats.
	MOVQ  R14, R10
	SHLQ  $2, R10
	IMULQ R9, R10
	ADDQ  R8, R10
	MOVQ  R13, R15
	IMULQ sumTapArgs_ow(AX), R15
	ADDQ  sumTapArgs_mFirst(AX), R15
	LEAQ  (R10)(R15*4), R10
	LEAQ  (R10)(R9*8), R11
	MOVQ  sumTapArgs_ow(AX), R15
	SHLQ  $2, R15
	SUBQ  R15, R11

	LEAQ sumTapArgs_masks(AX), BX
	MOVQ sumTapArgs_blocks(AX), R14
	MOVQ DI, SI

block:
	KMOVW     0(BX), K1
	KMOVW     4(BX), K2
	KANDW     K6, K1, K3          // A at m
	KANDW     K6, K2, K4          // A at m−1
	KANDW     K7, K1, K1          // B at m
	KANDW     K7, K2, K2          // B at m−1
	LEAQ      (R10)(R9*2), R15
	VMOVUPS.Z (R10), K3, Z0       // A, kj 0, m
	VMOVUPS.Z (R10)(R9*1), K3, Z1 // A, kj 1, m
	VMOVUPS.Z -4(R15), K4, Z2     // A, kj 2, m−1
	VMOVUPS.Z -4(R15)(R9*1), K4, Z3
	VADDPS    Z2, Z0, Z0          // even pixels
	VADDPS    Z3, Z1, Z1          // odd pixels
	LEAQ      (R11)(R9*2), R15
	VMOVUPS.Z (R11), K1, Z4
	VADDPS    Z4, Z0, Z0
	VMOVUPS.Z (R11)(R9*1), K1, Z5
	VADDPS    Z5, Z1, Z1
	VMOVUPS.Z -4(R15), K2, Z6
	VADDPS    Z6, Z0, Z0
	VMOVUPS.Z -4(R15)(R9*1), K2, Z7
	VADDPS    Z7, Z1, Z1
	KMOVW     8(BX), K1
	KMOVW     12(BX), K2
	VMOVAPS   Z0, Z8
	VPERMT2PS Z1, Z30, Z8
	VPERMT2PS Z1, Z31, Z0
	VMOVUPS   Z8, K1, (SI)
	VMOVUPS   Z0, K2, 64(SI)
	ADDQ      $16, BX
	ADDQ      $64, R10
	ADDQ      $64, R11
	ADDQ      $128, SI
	DECQ      R14
	JNZ       block

	MOVQ sumTapArgs_w(AX), R15
	LEAQ (DI)(R15*4), DI
	INCQ R12
	JMP  row

done:
	VZEROUPPER
	RET
