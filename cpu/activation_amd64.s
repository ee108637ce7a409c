//go:build amd64 && !purego

#include "textflag.h"
#include "simd_amd64.h"

// The activation loops of the CPU backend for AVX-512F: sixteen floats at a time, then the
// last n mod 16 under the mask K1, whose loads leave the other lanes zero and fault on
// nothing outside the slices. Each loop does the operations of its Go twin in the same
// order, without fused multiply-adds, so both give the same bits.
//
// Go's operand order is the reverse of Intel's: VSUBPS Z1, Z2, Z3 sets Z3 = Z2 − Z1, and
// VMAXPS Z1, Z2, Z3 sets Z3 = Z2 > Z1 ? Z2 : Z1, which is Z1 when either is NaN.

// func reluAVX512(dst, src *float32, n int)
TEXT ·reluAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VPXORD Z7, Z7, Z7

loop:
	CMPQ CX, $16
	JLT  tail
	VMOVUPS (SI), Z0
	VMAXPS  Z0, Z7, Z0 // 0 > x ? 0 : x, so NaN stays NaN
	VADDPS  Z7, Z0, Z0 // and −0 becomes +0, as with Go's max
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop

tail:
	TESTQ CX, CX
	JZ    done
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VMAXPS    Z0, Z7, Z0
	VADDPS    Z7, Z0, Z0
	VMOVUPS   Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func leakyAVX512(dst, src *float32, n int, slope float32)
TEXT ·leakyAVX512(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS slope+24(FP), Z6

loop:
	CMPQ CX, $16
	JLT  tail
	VMOVUPS (SI), Z0
	VMULPS  Z6, Z0, Z1 // x·slope
	VMAXPS  Z0, Z1, Z0 // x·slope > x ? x·slope : x
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop

tail:
	TESTQ CX, CX
	JZ    done
	TAILMASK
	VMOVUPS.Z (SI), K1, Z0
	VMULPS    Z6, Z0, Z1
	VMAXPS    Z0, Z1, Z0
	VMOVUPS   Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func reluGradAVX512(dx, dy, x *float32, n int)
TEXT ·reluGradAVX512(SB), NOSPLIT, $0-32
	MOVQ   dx+0(FP), DI
	MOVQ   dy+8(FP), SI
	MOVQ   x+16(FP), DX
	MOVQ   n+24(FP), CX
	VPXORD Z7, Z7, Z7

loop:
	CMPQ CX, $16
	JLT  tail
	VMOVUPS   (DX), Z1
	VCMPPS    $0x1e, Z7, Z1, K2 // x > 0, ordered: false for NaN
	VMOVUPS.Z (SI), K2, Z0      // dy there, +0 elsewhere
	VMOVUPS   Z0, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	ADDQ      $64, DX
	SUBQ      $16, CX
	JMP       loop

tail:
	TESTQ CX, CX
	JZ    done
	TAILMASK
	VMOVUPS.Z (DX), K1, Z1
	VCMPPS    $0x1e, Z7, Z1, K2 // lanes past the tail hold 0, so K2 ⊆ K1
	VMOVUPS.Z (SI), K2, Z0
	VMOVUPS   Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func leakyGradAVX512(dx, dy, x *float32, n int, slope float32)
TEXT ·leakyGradAVX512(SB), NOSPLIT, $0-36
	MOVQ         dx+0(FP), DI
	MOVQ         dy+8(FP), SI
	MOVQ         x+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS slope+32(FP), Z6
	ONE(Z5)
	VPXORD       Z7, Z7, Z7

loop:
	CMPQ CX, $16
	JLT  tail
	VMOVUPS   (DX), Z1
	VCMPPS    $0x1e, Z7, Z1, K2
	VBLENDMPS Z5, Z6, K2, Z2 // 1 where x > 0, slope elsewhere
	VMULPS    (SI), Z2, Z0
	VMOVUPS   Z0, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	ADDQ      $64, DX
	SUBQ      $16, CX
	JMP       loop

tail:
	TESTQ CX, CX
	JZ    done
	TAILMASK
	VMOVUPS.Z (DX), K1, Z1
	VCMPPS    $0x1e, Z7, Z1, K2
	VBLENDMPS Z5, Z6, K2, Z2
	VMOVUPS.Z (SI), K1, Z3
	VMULPS    Z3, Z2, Z0
	VMOVUPS   Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func tanhGradAVX512(dx, dy, y *float32, n int)
TEXT ·tanhGradAVX512(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	ONE(Z5)

loop:
	CMPQ CX, $16
	JLT  tail
	VMOVUPS (DX), Z1
	VMULPS  Z1, Z1, Z1 // y·y
	VSUBPS  Z1, Z5, Z1 // 1 − y·y
	VMULPS  (SI), Z1, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $64, DX
	SUBQ    $16, CX
	JMP     loop

tail:
	TESTQ CX, CX
	JZ    done
	TAILMASK
	VMOVUPS.Z (DX), K1, Z1
	VMULPS    Z1, Z1, Z1
	VSUBPS    Z1, Z5, Z1
	VMOVUPS.Z (SI), K1, Z3
	VMULPS    Z3, Z1, Z0
	VMOVUPS   Z0, K1, (DI)

done:
	VZEROUPPER
	RET
