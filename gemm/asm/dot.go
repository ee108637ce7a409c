package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// dotKernel is a rows×4 tile of dot products for AVX-512F:
//
//	C[i][j] = alpha · Σ_p a[i·lda + p] · b[j·ldb + p] + beta · C[i][j]
//
// for i < rows, j < 4 and p < 16·blocks + popcount(mask), the last partial block loaded under
// mask. It serves A·Bᵀ where both operands run along k in memory and C is small, the weight
// gradient of a layer with one channel: there the outer-product kernels would spend most of
// their time transposing A and B into panels; one row serves A·Bᵀ with a single row, the
// weight gradient of a layer with one output channel. Each accumulator holds 16 partial sums, p mod
// 16, added together in a fixed order at the end, so the bits depend on the shape alone.
type dotKernel struct{ rows int }

func (k dotKernel) generate(c *build.Context) {
	name := fmt.Sprintf("avx512Dot%dx4", k.rows)
	c.Function(name)
	c.Attributes(attr.NOSPLIT)
	c.SignatureExpr("func(blocks int, mask uint32, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)")
	c.Doc(fmt.Sprintf("%s computes a %d×4 tile of dot products of rows of A and B, 16 floats at a time.", name, k.rows))
	// The accumulators are the high registers, so that the low ones, which the VEX-encoded
	// horizontal adds need, are free for the reduction.
	rows := k.rows
	acc := zmm[16 : 16+4*rows]
	av := zmm[0:rows]
	bv := zmm[4]

	n := c.Load(c.Param("blocks"), c.GP64())
	lda := c.Load(c.Param("lda"), c.GP64())
	c.SHLQ(U8(2), lda)
	ldb := c.Load(c.Param("ldb"), c.GP64())
	c.SHLQ(U8(2), ldb)
	var ap, bp [4]reg.GPVirtual
	ap[0], bp[0] = c.GP64(), c.GP64()
	c.Load(c.Param("a"), ap[0])
	c.Load(c.Param("b"), bp[0])
	for i := 1; i < 4; i++ {
		bp[i] = c.GP64()
		c.LEAQ(Mem{Base: bp[i-1], Index: ldb, Scale: 1}, bp[i])
		if i < rows {
			ap[i] = c.GP64()
			c.LEAQ(Mem{Base: ap[i-1], Index: lda, Scale: 1}, ap[i])
		}
	}
	off := c.GP64()
	c.XORQ(off, off)
	for _, r := range acc {
		c.VPXORD(r, r, r)
	}
	body := func(masked bool) {
		for i := range rows {
			m := Mem{Base: ap[i], Index: off, Scale: 1}
			if masked {
				c.VMOVUPS_Z(m, reg.K1, av[i])
			} else {
				c.VMOVUPS(m, av[i])
			}
		}
		for j := range 4 {
			m := Mem{Base: bp[j], Index: off, Scale: 1}
			if masked {
				c.VMOVUPS_Z(m, reg.K1, bv)
			} else {
				c.VMOVUPS(m, bv)
			}
			for i := range rows {
				c.VFMADD231PS(bv, av[i], acc[i*4+j])
			}
		}
	}
	c.TESTQ(n, n)
	c.JZ(LabelRef("tail"))
	c.Label("loop")
	body(false)
	c.ADDQ(U32(64), off)
	c.DECQ(n)
	c.JNZ(LabelRef("loop"))

	c.Label("tail")
	mask := c.Load(c.Param("mask"), c.GP32())
	c.TESTL(mask, mask)
	c.JZ(LabelRef("reduce"))
	c.KMOVW(mask, reg.K1)
	body(true)

	c.Label("reduce")
	alpha, beta, hi, lo := xmm[5], xmm[6], ymm[7], ymm[8]
	c.VBROADCASTSS(paramAddr(c, "alpha"), alpha)
	c.VBROADCASTSS(paramAddr(c, "beta"), beta)
	zero := xmm[9]
	c.VXORPS(zero, zero, zero)
	// useBeta = beta ≠ 0, NaN included; the registers are cleared before the compare,
	// since XOR sets the flags.
	useBeta, par := c.GP64(), c.GP64()
	c.XORQ(useBeta, useBeta)
	c.XORQ(par, par)
	c.VUCOMISS(zero, beta)
	c.SETNE(useBeta.As8())
	c.SETPS(par.As8())
	c.ORQ(par, useBeta)
	cp := c.Load(c.Param("c"), c.GP64())
	ldc := c.Load(c.Param("ldc"), c.GP64())
	c.SHLQ(U8(2), ldc)
	for i := range rows {
		for j := range 4 {
			z := acc[i*4+j]
			// 16 → 8 → 4 → 2 → 1 partial sums.
			c.VEXTRACTF64X4(U8(1), z, hi)
			c.VMOVAPS(z, zmm[8])
			c.VADDPS(hi, lo, lo)
			c.VEXTRACTF128(U8(1), lo, xmm[7])
			c.VADDPS(xmm[7], xmm[8], xmm[8])
			c.VHADDPS(xmm[8], xmm[8], xmm[8])
			c.VHADDPS(xmm[8], xmm[8], xmm[8])
			c.VMULSS(alpha, xmm[8], xmm[8])
			m := Mem{Base: cp, Disp: 4 * j}
			skip := fmt.Sprintf("store%d%d", i, j)
			c.TESTQ(useBeta, useBeta)
			c.JZ(LabelRef(skip))
			c.VFMADD231SS(m, beta, xmm[8])
			c.Label(skip)
			c.VMOVSS(xmm[8], m)
		}
		if i < rows-1 {
			c.ADDQ(ldc, cp)
		}
	}
	c.VZEROUPPER()
	c.RET()
}
