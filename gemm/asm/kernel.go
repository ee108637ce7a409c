package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// A kernel is an mr×nr register-blocked micro-kernel computing
//
//	C[i][j] = alpha · Σ_p a[p·as + i] · b[p·bs + j] + beta · C[i][j]
//
// for i < mr, j < nr, p < kc, with C rows ldc floats apart. The strides as and bs let the same
// code read packed panels (as = mr, bs = nr) or, where the operand's storage already has the
// panel's layout, the matrix itself. The sum over p runs in order into one accumulator per
// element, so an element's bits do not depend on which tile or thread computes it. beta = 0
// never reads C, as in BLAS, so NaNs there are overwritten.
type kernel struct {
	name   string
	avx512 bool // zmm and 32 registers; otherwise AVX2+FMA: ymm and 16 registers
	mr, nr int
}

// The AVX-512 tile uses 24 of the 32 registers for accumulators: 12×32 measured as fast as
// 8×32 and 14×32 and wastes fewer rows than 14 on the models' sizes. The narrower AVX-512
// tiles serve matrices with few rows or columns, where a 12×32 tile would be mostly
// padding: 8×32 and 4×32 for 16 or 4 rows, 1×32 for a single row, 16×16 for 16 columns.
// Every AVX-512 tile adds the same products in the same order into each element, so they
// all give the same bits. The AVX2 tile is the usual 6×16, 12 of 16 registers.
var kernels = []kernel{
	{"avx512Kernel12x32", true, 12, 32},
	{"avx512Kernel8x32", true, 8, 32},
	{"avx512Kernel4x32", true, 4, 32},
	{"avx512Kernel1x32", true, 1, 32},
	{"avx512Kernel16x16", true, 16, 16},
	{"avx2Kernel6x16", false, 6, 16},
}

var (
	zmm = []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7,
		reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15,
		reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23,
		reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31}
	ymm = []reg.VecPhysical{reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7,
		reg.Y8, reg.Y9, reg.Y10, reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15}
	xmm = []reg.VecPhysical{reg.X0, reg.X1, reg.X2, reg.X3, reg.X4, reg.X5, reg.X6, reg.X7,
		reg.X8, reg.X9, reg.X10, reg.X11, reg.X12, reg.X13, reg.X14, reg.X15,
		reg.X16, reg.X17, reg.X18, reg.X19, reg.X20, reg.X21, reg.X22, reg.X23,
		reg.X24, reg.X25, reg.X26, reg.X27, reg.X28, reg.X29, reg.X30, reg.X31}
)

const kernelSignature = "func(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, alpha, beta float32)"

func (k kernel) generate(c *build.Context) {
	lanes, regs := 8, ymm
	if k.avx512 {
		lanes, regs = 16, zmm
	}
	vbytes := 4 * lanes
	nv := k.nr / lanes
	if k.nr%lanes != 0 || k.mr*nv+nv+1 > len(regs) {
		panic(fmt.Sprintf("%s: %d×%d does not fit the registers", k.name, k.mr, k.nr))
	}
	acc := regs[:k.mr*nv]
	bv := regs[k.mr*nv : k.mr*nv+nv]
	spare := k.mr*nv + nv // first register after the B vectors

	c.Function(k.name)
	c.Attributes(attr.NOSPLIT)
	c.SignatureExpr(kernelSignature)
	c.Doc(fmt.Sprintf("%s is the %d×%d micro-kernel for %s.", k.name, k.mr, k.nr, map[bool]string{true: "AVX-512F", false: "AVX2 and FMA"}[k.avx512]))
	n := c.Load(c.Param("kc"), c.GP64())
	ap := c.Load(c.Param("a"), c.GP64())
	as := c.Load(c.Param("as"), c.GP64())
	c.SHLQ(U8(2), as)
	bp := c.Load(c.Param("b"), c.GP64())
	bs := c.Load(c.Param("bs"), c.GP64())
	c.SHLQ(U8(2), bs)
	// C's tile is needed only after the loop, and is often in memory, not cache: start
	// bringing it in now.
	row := c.Load(c.Param("c"), c.GP64())
	stride := c.Load(c.Param("ldc"), c.GP64())
	c.SHLQ(U8(2), stride)
	for i := range k.mr {
		for off := 0; off < 4*k.nr; off += 64 {
			c.PREFETCHT0(Mem{Base: row, Disp: off})
		}
		c.PREFETCHT0(Mem{Base: row, Disp: 4*k.nr - 1})
		if i < k.mr-1 {
			c.ADDQ(stride, row)
		}
	}
	for _, r := range acc {
		if k.avx512 {
			c.VPXORD(r, r, r)
		} else {
			c.VXORPS(r, r, r)
		}
	}
	c.TESTQ(n, n)
	c.JZ(LabelRef("scale"))

	c.Label("loop")
	for v := range nv {
		c.VMOVUPS(Mem{Base: bp, Disp: v * vbytes}, bv[v])
	}
	for i := range k.mr {
		a := Mem{Base: ap, Disp: 4 * i}
		if k.avx512 {
			// The embedded broadcast saves a register per row, which is what lets the
			// accumulators fill 28 of the 32.
			for v := range nv {
				c.VFMADD231PS_BCST(a, bv[v], acc[i*nv+v])
			}
			continue
		}
		c.VBROADCASTSS(a, regs[spare])
		for v := range nv {
			c.VFMADD231PS(regs[spare], bv[v], acc[i*nv+v])
		}
	}
	c.ADDQ(as, ap)
	c.ADDQ(bs, bp)
	c.DECQ(n)
	c.JNZ(LabelRef("loop"))

	c.Label("scale")
	alpha, beta, zero := regs[spare-nv], regs[spare-nv+1%nv], regs[spare]
	if nv == 1 {
		beta = regs[spare+1]
	}
	// alpha = 1, the usual case, skips the multiplications: on short sums (kc of 16 in
	// the first and last layers) they are a large part of the tile's work.
	c.CMPL(paramAddr(c, "alpha"), U32(0x3f800000))
	c.JEQ(LabelRef("scaled"))
	c.VBROADCASTSS(paramAddr(c, "alpha"), alpha)
	for _, r := range acc {
		c.VMULPS(alpha, r, r)
	}
	c.Label("scaled")
	cp := c.Load(c.Param("c"), c.GP64())
	ldc := c.Load(c.Param("ldc"), c.GP64())
	c.SHLQ(U8(2), ldc)
	// VBROADCASTSS rather than MOVSS keeps SSE instructions, and their transition
	// penalty on some Intel parts, out of AVX code.
	c.VBROADCASTSS(paramAddr(c, "beta"), beta)
	zx := xmm[zero.PhysicalIndex()]
	c.VXORPS(zx, zx, zx)
	c.VUCOMISS(zx, xmm[beta.PhysicalIndex()])
	c.JNE(LabelRef("general"))
	c.JPS(LabelRef("general"))

	c.Comment("beta = 0: C is written, never read.")
	for i := range k.mr {
		for v := range nv {
			c.VMOVUPS(acc[i*nv+v], Mem{Base: cp, Disp: v * vbytes})
		}
		if i < k.mr-1 {
			c.ADDQ(ldc, cp)
		}
	}
	c.VZEROUPPER()
	c.RET()

	c.Label("general")
	for i := range k.mr {
		for v := range nv {
			m := Mem{Base: cp, Disp: v * vbytes}
			c.VFMADD231PS(m, beta, acc[i*nv+v])
			c.VMOVUPS(acc[i*nv+v], m)
		}
		if i < k.mr-1 {
			c.ADDQ(ldc, cp)
		}
	}
	c.VZEROUPPER()
	c.RET()
}

// paramAddr is the stack address of the named argument.
func paramAddr(c *build.Context, name string) Mem {
	b, err := c.Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}
