//go:build amd64 && !purego

#include "textflag.h"
#include "simd_amd64.h"

// The BatchNorm and Adam loops of the CPU backend for AVX-512F: sixteen floats at a time, then the
// last n mod 16 under the mask K1, whose loads leave the other lanes zero and fault on
// nothing outside the slices. Each loop does the operations of its Go twin in the same
// order, without fused multiply-adds, so both give the same bits.
//
// Go's operand order is the reverse of Intel's: VSUBPS Z1, Z2, Z3 sets Z3 = Z2 − Z1, and
// VMAXPS Z1, Z2, Z3 sets Z3 = Z2 > Z1 ? Z2 : Z1, which is Z1 when either is NaN.

// func scaleShiftAVX512(dst, src *float32, n int, scale, shift float32)
TEXT ·scaleShiftAVX512(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS scale+24(FP), Z6
	VBROADCASTSS shift+28(FP), Z5

loop:
	CMPQ CX, $16
	JLT  tail
	VMULPS  (SI), Z6, Z0
	VADDPS  Z5, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop

tail:
	TESTQ CX, CX
	JZ    done
	TAILMASK
	VMOVUPS.Z (SI), K1, Z1
	VMULPS    Z1, Z6, Z0
	VADDPS    Z5, Z0, Z0
	VMOVUPS   Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func bnGradAVX512(dx, dy, x *float32, n int, a, b, mu, c float32)
TEXT ·bnGradAVX512(SB), NOSPLIT, $0-48
	MOVQ         dx+0(FP), DI
	MOVQ         dy+8(FP), SI
	MOVQ         x+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS a+32(FP), Z4
	VBROADCASTSS b+36(FP), Z5
	VBROADCASTSS mu+40(FP), Z6
	VBROADCASTSS c+44(FP), Z3

loop:
	CMPQ CX, $16
	JLT  tail
	VMULPS  (SI), Z4, Z0 // a·dy
	VMOVUPS (DX), Z1
	VSUBPS  Z6, Z1, Z1   // x − mu
	VMULPS  Z5, Z1, Z1   // b·(x − mu)
	VADDPS  Z1, Z0, Z0
	VADDPS  Z3, Z0, Z0   // + c
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
	VMOVUPS.Z (SI), K1, Z2
	VMULPS    Z2, Z4, Z0
	VMOVUPS.Z (DX), K1, Z1
	VSUBPS    Z6, Z1, Z1
	VMULPS    Z5, Z1, Z1
	VADDPS    Z1, Z0, Z0
	VADDPS    Z3, Z0, Z0
	VMOVUPS   Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func adamAVX512(params, grads, mom, vel *float32, n int, k *adamConsts)
TEXT ·adamAVX512(SB), NOSPLIT, $0-48
	MOVQ         params+0(FP), DI
	MOVQ         grads+8(FP), SI
	MOVQ         mom+16(FP), DX
	MOVQ         vel+24(FP), R8
	MOVQ         n+32(FP), CX
	MOVQ         k+40(FP), AX
	VBROADCASTSS 0(AX), Z10  // β1
	VBROADCASTSS 4(AX), Z11  // 1 − β1
	VBROADCASTSS 8(AX), Z12  // β2
	VBROADCASTSS 12(AX), Z13 // 1 − β2
	VBROADCASTSS 16(AX), Z14 // ε
	VBROADCASTSS 20(AX), Z15 // step size
	VBROADCASTSS 24(AX), Z16 // √(1 − β2ᵗ)
	MOVQ         $-1, AX
	KMOVW        AX, K1      // all sixteen lanes until the tail

loop:
	CMPQ CX, $16
	JGE  body
	TESTQ CX, CX
	JZ    done
	TAILMASK

body:
	VMOVUPS.Z (SI), K1, Z0 // g
	VMOVUPS.Z (DX), K1, Z1
	VMULPS    Z10, Z1, Z1  // m·β1
	VMULPS    Z0, Z11, Z2  // (1 − β1)·g
	VADDPS    Z2, Z1, Z1   // m
	VMOVUPS.Z (R8), K1, Z3
	VMULPS    Z12, Z3, Z3  // v·β2
	VMULPS    Z0, Z13, Z4  // (1 − β2)·g
	VMULPS    Z0, Z4, Z4   // (1 − β2)·g·g
	VADDPS    Z4, Z3, Z3   // v
	VMOVUPS   Z1, K1, (DX)
	VMOVUPS   Z3, K1, (R8)
	VSQRTPS   Z3, Z5
	VDIVPS    Z16, Z5, Z5  // √v / √(1 − β2ᵗ)
	VADDPS    Z14, Z5, Z5  // + ε
	VMULPS    Z1, Z15, Z6  // step size · m
	VDIVPS    Z5, Z6, Z6
	VMOVUPS.Z (DI), K1, Z7
	VSUBPS    Z6, Z7, Z7
	VMOVUPS   Z7, K1, (DI)
	CMPQ      CX, $16
	JLT       done
	ADDQ      $64, SI
	ADDQ      $64, DI
	ADDQ      $64, DX
	ADDQ      $64, R8
	SUBQ      $16, CX
	JMP       loop

done:
	VZEROUPPER
	RET

// func shiftedSumsAVX512(v *float32, n int, shift float64) (s1, s2 float64)
TEXT ·shiftedSumsAVX512(SB), NOSPLIT, $0-40
	MOVQ         v+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSD shift+16(FP), Z9
	VPXORQ       Z2, Z2, Z2 // Σd in eight lanes
	VPXORQ       Z3, Z3, Z3 // Σd²
	VPXORQ       Z4, Z4, Z4 // a second chain of each
	VPXORQ       Z5, Z5, Z5

loop:
	CMPQ        CX, $16
	JLT         tail
	VCVTPS2PD   (SI), Z0
	VCVTPS2PD   32(SI), Z1
	VSUBPD      Z9, Z0, Z0
	VSUBPD      Z9, Z1, Z1
	VADDPD      Z0, Z2, Z2
	VFMADD231PD Z0, Z0, Z3
	VADDPD      Z1, Z4, Z4
	VFMADD231PD Z1, Z1, Z5
	ADDQ        $64, SI
	SUBQ        $16, CX
	JMP         loop

tail:
	CMPQ        CX, $8
	JLT         last
	VCVTPS2PD   (SI), Z0
	VSUBPD      Z9, Z0, Z0
	VADDPD      Z0, Z2, Z2
	VFMADD231PD Z0, Z0, Z3
	ADDQ        $32, SI
	SUBQ        $8, CX

last:
	TESTQ       CX, CX
	JZ          sum
	TAILMASK
	VCVTPS2PD.Z (SI), K1, Z0
	VSUBPD.Z    Z9, Z0, K1, Z0 // lanes past the end stay 0
	VADDPD      Z0, Z4, Z4
	VFMADD231PD Z0, Z0, Z5

sum:
	VADDPD Z4, Z2, Z2
	VADDPD Z5, Z3, Z3
	HSUM(Z2, Y2, X2)
	HSUM(Z3, Y3, X3)
	MOVSD  X2, s1+24(FP)
	MOVSD  X3, s2+32(FP)
	VZEROUPPER
	RET

// func gradSumsAVX512(dy, x *float32, n int, mean float64) (sdy, sdyx float64)
TEXT ·gradSumsAVX512(SB), NOSPLIT, $0-48
	MOVQ         dy+0(FP), SI
	MOVQ         x+8(FP), DX
	MOVQ         n+16(FP), CX
	VBROADCASTSD mean+24(FP), Z9
	VPXORQ       Z2, Z2, Z2 // Σdy in eight lanes
	VPXORQ       Z3, Z3, Z3 // Σdy·(x − mean)
	VPXORQ       Z4, Z4, Z4 // a second chain of each
	VPXORQ       Z5, Z5, Z5

loop:
	CMPQ        CX, $16
	JLT         tail
	VCVTPS2PD   (SI), Z0
	VCVTPS2PD   (DX), Z1
	VSUBPD      Z9, Z1, Z1
	VADDPD      Z0, Z2, Z2
	VFMADD231PD Z1, Z0, Z3
	VCVTPS2PD   32(SI), Z7
	VCVTPS2PD   32(DX), Z8
	VSUBPD      Z9, Z8, Z8
	VADDPD      Z7, Z4, Z4
	VFMADD231PD Z8, Z7, Z5
	ADDQ        $64, SI
	ADDQ        $64, DX
	SUBQ        $16, CX
	JMP         loop

tail:
	CMPQ        CX, $8
	JLT         last
	VCVTPS2PD   (SI), Z0
	VCVTPS2PD   (DX), Z1
	VSUBPD      Z9, Z1, Z1
	VADDPD      Z0, Z2, Z2
	VFMADD231PD Z1, Z0, Z3
	ADDQ        $32, SI
	ADDQ        $32, DX
	SUBQ        $8, CX

last:
	TESTQ       CX, CX
	JZ          sum
	TAILMASK
	VCVTPS2PD.Z (SI), K1, Z0 // dy is 0 past the end, so those lanes add nothing
	VCVTPS2PD.Z (DX), K1, Z1
	VSUBPD      Z9, Z1, Z1
	VADDPD      Z0, Z4, Z4
	VFMADD231PD Z1, Z0, Z5

sum:
	VADDPD Z4, Z2, Z2
	VADDPD Z5, Z3, Z3
	HSUM(Z2, Y2, X2)
	HSUM(Z3, Y3, X3)
	MOVSD  X2, sdy+32(FP)
	MOVSD  X3, sdyx+40(FP)
	VZEROUPPER
	RET
