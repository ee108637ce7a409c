package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

type packer interface{ generate(c *build.Context) }

var packers = []packer{copyPacker{}, transposePacker{}, dotKernel{4}, dotKernel{1},
	avx2CopyPacker{16}, avx2CopyPacker{6}, avx2TransposePacker{8}, avx2TransposePacker{6}}

// copyPacker copies kc rows of cols floats, src rows lds floats apart, into panels width
// floats wide (width ≤ 32): float j of row p goes to dst[(j/width)·pstride + p·width +
// j%width]. It walks each source row from start to end, so the hardware prefetcher streams
// it in. The last panel's floats past cols are zeroed, and no read strays past the matrix.
// It packs the operands whose panels are already rows in memory: B untransposed, A
// transposed.
type copyPacker struct{}

func (copyPacker) generate(c *build.Context) {
	c.Function("avx512PackRows")
	c.Attributes(attr.NOSPLIT)
	c.SignatureExpr("func(dst *float32, pstride int, src *float32, lds int, kc int, width int, panels int, mask, lastMask uint32)")
	c.Doc("avx512PackRows copies kc rows into panels of up to 32 floats, under load and store masks.")
	dst, pstride, src, lds, n := reg.RDI, reg.R8, reg.RSI, reg.R9, reg.R10
	width, panels, q, s, d, m := reg.R11, reg.R12, reg.R13, reg.RBX, reg.RDX, reg.RAX
	c.Load(c.Param("dst"), dst)
	c.Load(c.Param("pstride"), pstride)
	c.SHLQ(U8(2), pstride)
	c.Load(c.Param("src"), src)
	c.Load(c.Param("lds"), lds)
	c.SHLQ(U8(2), lds)
	c.Load(c.Param("kc"), n)
	c.Load(c.Param("width"), width)
	c.SHLQ(U8(2), width)
	c.Load(c.Param("panels"), panels)
	for i, name := range []string{"mask", "lastMask"} {
		c.Load(c.Param(name), m.As32())
		c.KMOVW(m.As32(), []reg.Register{reg.K1, reg.K3}[i])
		c.SHRL(U8(16), m.As32())
		c.KMOVW(m.As32(), []reg.Register{reg.K2, reg.K4}[i])
	}
	c.TESTQ(n, n)
	c.JZ(LabelRef("done"))
	c.Label("row")
	c.MOVQ(src, s)
	c.MOVQ(dst, d)
	c.MOVQ(panels, q)
	c.DECQ(q)
	c.JZ(LabelRef("last"))
	c.Label("panel")
	c.VMOVUPS_Z(Mem{Base: s}, reg.K1, reg.Z0)
	c.VMOVUPS_Z(Mem{Base: s, Disp: 64}, reg.K2, reg.Z1)
	c.VMOVUPS(reg.Z0, reg.K1, Mem{Base: d})
	c.VMOVUPS(reg.Z1, reg.K2, Mem{Base: d, Disp: 64})
	c.ADDQ(width, s)
	c.ADDQ(pstride, d)
	c.DECQ(q)
	c.JNZ(LabelRef("panel"))
	c.Label("last")
	c.VMOVUPS_Z(Mem{Base: s}, reg.K3, reg.Z0)
	c.VMOVUPS_Z(Mem{Base: s, Disp: 64}, reg.K4, reg.Z1)
	c.VMOVUPS(reg.Z0, reg.K1, Mem{Base: d})
	c.VMOVUPS(reg.Z1, reg.K2, Mem{Base: d, Disp: 64})
	c.ADDQ(lds, src)
	c.ADDQ(width, dst)
	c.DECQ(n)
	c.JNZ(LabelRef("row"))
	c.Label("done")
	c.VZEROUPPER()
	c.RET()
}

// transposePacker transposes up to 16 rows of kc floats: float p of source row r (rows lds
// floats apart) goes to dst[p·ldd + r]. Rows from rows to 15 read as zero; bit r of smask
// stores column r of the output, so a panel narrower than 16 keeps to its width. It packs
// the operands whose panels are columns in memory: A untransposed, B transposed.
type transposePacker struct{}

func (transposePacker) generate(c *build.Context) {
	c.Function("avx512PackTranspose")
	c.Attributes(attr.NOSPLIT)
	c.SignatureExpr("func(dst *float32, ldd int, src *float32, lds int, rows int, kc int, smask uint32)")
	c.Doc("avx512PackTranspose transposes up to 16 rows of kc floats, 16 by 16, into dst.")
	dst, ldd, src, lds, rows, left := reg.RDI, reg.R8, reg.RSI, reg.R9, reg.R10, reg.R11
	cnt, tmp, p := reg.RCX, reg.RAX, reg.RDX
	c.Load(c.Param("dst"), dst)
	c.Load(c.Param("ldd"), ldd)
	c.SHLQ(U8(2), ldd)
	c.Load(c.Param("src"), src)
	c.Load(c.Param("lds"), lds)
	c.SHLQ(U8(2), lds)
	c.Load(c.Param("rows"), rows)
	c.Load(c.Param("kc"), left)
	c.Load(c.Param("smask"), tmp.As32())
	c.KMOVW(tmp.As32(), reg.K3)

	c.Label("block")
	c.TESTQ(left, left)
	c.JZ(LabelRef("done"))
	c.Comment("cnt = min(16, left) columns in this block, loaded under the mask of its low cnt bits.")
	c.MOVQ(U32(16), cnt)
	c.CMPQ(left, cnt)
	c.CMOVQLT(left, cnt)
	c.MOVL(U32(1), tmp.As32())
	c.SHLL(reg.CL, tmp.As32())
	c.DECL(tmp.As32())
	c.KMOVW(tmp.As32(), reg.K1)
	for r := range 16 {
		c.VPXORD(zmm[r], zmm[r], zmm[r])
	}
	c.MOVQ(src, p)
	for r := range 16 {
		c.CMPQ(rows, U8(r))
		c.JLE(LabelRef("loaded"))
		c.VMOVUPS_Z(Mem{Base: p}, reg.K1, zmm[r])
		// Sixteen rows far apart are more streams than the hardware prefetcher follows.
		c.PREFETCHT0(Mem{Base: p, Disp: transposePrefetch})
		if r < 15 {
			c.ADDQ(lds, p)
		}
	}
	c.Label("loaded")
	transpose16(c)
	c.MOVQ(dst, p)
	for j := range 16 {
		c.CMPQ(cnt, U8(j))
		c.JLE(LabelRef("stored"))
		c.VMOVUPS(zmm[j], reg.K3, Mem{Base: p})
		if j < 15 {
			c.ADDQ(ldd, p)
		}
	}
	c.Label("stored")
	c.ADDQ(U8(64), src)
	c.MOVQ(ldd, tmp)
	c.SHLQ(U8(4), tmp)
	c.ADDQ(tmp, dst)
	c.SUBQ(cnt, left)
	c.JMP(LabelRef("block"))

	c.Label("done")
	c.VZEROUPPER()
	c.RET()
}

// transposePrefetch is how far ahead along its row each load of avx512PackTranspose
// prefetches, in bytes: 8 blocks of 16 columns.
const transposePrefetch = 512

// transpose16 transposes the 16×16 matrix whose rows are Z0…Z15 in place, through Z16…Z31:
// pairs of rows interleave, then quadruples, then 128-bit lanes twice.
func transpose16(c *build.Context) {
	r, t := zmm[:16], zmm[16:]
	for q := range 8 {
		c.VUNPCKLPS(r[2*q+1], r[2*q], t[2*q])
		c.VUNPCKHPS(r[2*q+1], r[2*q], t[2*q+1])
	}
	// u[g][i] holds, in 128-bit lane l, rows 4g…4g+3 of column 4l+i.
	u := func(g, i int) reg.VecPhysical { return r[4*g+i] }
	for g := range 4 {
		c.VSHUFPS(U8(0x44), t[4*g+2], t[4*g], u(g, 0))
		c.VSHUFPS(U8(0xee), t[4*g+2], t[4*g], u(g, 1))
		c.VSHUFPS(U8(0x44), t[4*g+3], t[4*g+1], u(g, 2))
		c.VSHUFPS(U8(0xee), t[4*g+3], t[4*g+1], u(g, 3))
	}
	// v[h][i] gathers groups 0 and 1, w[h][i] groups 2 and 3, lanes h and h+2 of each.
	v := func(h, i int) reg.VecPhysical { return t[4*h+i] }
	w := func(h, i int) reg.VecPhysical { return t[8+4*h+i] }
	for i := range 4 {
		c.VSHUFF32X4(U8(0x88), u(1, i), u(0, i), v(0, i))
		c.VSHUFF32X4(U8(0xdd), u(1, i), u(0, i), v(1, i))
		c.VSHUFF32X4(U8(0x88), u(3, i), u(2, i), w(0, i))
		c.VSHUFF32X4(U8(0xdd), u(3, i), u(2, i), w(1, i))
	}
	for i := range 4 {
		c.VSHUFF32X4(U8(0x88), w(0, i), v(0, i), r[i])
		c.VSHUFF32X4(U8(0xdd), w(0, i), v(0, i), r[8+i])
		c.VSHUFF32X4(U8(0x88), w(1, i), v(1, i), r[4+i])
		c.VSHUFF32X4(U8(0xdd), w(1, i), v(1, i), r[12+i])
	}
}

// avx2CopyPacker is copyPacker for AVX2, which has no masks: it copies whole panels of a
// fixed width only, and Go copies the edge.
type avx2CopyPacker struct{ width int }

func (p avx2CopyPacker) generate(c *build.Context) {
	name := fmt.Sprintf("avx2PackRows%d", p.width)
	c.Function(name)
	c.Attributes(attr.NOSPLIT)
	c.SignatureExpr("func(dst *float32, pstride int, src *float32, lds int, kc int, panels int)")
	c.Doc(fmt.Sprintf("%s copies kc rows of panels·%d floats into panels %d floats wide.", name, p.width, p.width))
	dst, pstride, src, lds, n := reg.RDI, reg.R8, reg.RSI, reg.R9, reg.R10
	panels, q, s, d, t := reg.R12, reg.R13, reg.RBX, reg.RDX, reg.RAX
	c.Load(c.Param("dst"), dst)
	c.Load(c.Param("pstride"), pstride)
	c.SHLQ(U8(2), pstride)
	c.Load(c.Param("src"), src)
	c.Load(c.Param("lds"), lds)
	c.SHLQ(U8(2), lds)
	c.Load(c.Param("kc"), n)
	c.Load(c.Param("panels"), panels)
	c.TESTQ(n, n)
	c.JZ(LabelRef("done"))
	c.TESTQ(panels, panels)
	c.JZ(LabelRef("done"))
	c.Label("row")
	c.MOVQ(src, s)
	c.MOVQ(dst, d)
	c.MOVQ(panels, q)
	c.Label("panel")
	for off := 0; off < 4*p.width; {
		switch rest := 4*p.width - off; {
		case rest >= 32:
			c.VMOVUPS(Mem{Base: s, Disp: off}, reg.Y0)
			c.VMOVUPS(reg.Y0, Mem{Base: d, Disp: off})
			off += 32
		case rest >= 16:
			c.VMOVUPS(Mem{Base: s, Disp: off}, reg.X1)
			c.VMOVUPS(reg.X1, Mem{Base: d, Disp: off})
			off += 16
		case rest >= 8:
			c.MOVQ(Mem{Base: s, Disp: off}, t)
			c.MOVQ(t, Mem{Base: d, Disp: off})
			off += 8
		default:
			c.MOVL(Mem{Base: s, Disp: off}, t.As32())
			c.MOVL(t.As32(), Mem{Base: d, Disp: off})
			off += 4
		}
	}
	c.ADDQ(U8(4*p.width), s)
	c.ADDQ(pstride, d)
	c.DECQ(q)
	c.JNZ(LabelRef("panel"))
	c.ADDQ(lds, src)
	c.ADDQ(U8(4*p.width), dst)
	c.DECQ(n)
	c.JNZ(LabelRef("row"))
	c.Label("done")
	c.VZEROUPPER()
	c.RET()
}

// avx2TransposePacker is transposePacker for AVX2: it transposes exactly rows rows (the
// rest of the eight read as zero) in blocks of 8 columns, storing rows floats per output
// row; Go handles the columns past the last whole block and narrower edge panels.
type avx2TransposePacker struct{ rows int }

func (p avx2TransposePacker) generate(c *build.Context) {
	name := fmt.Sprintf("avx2PackTranspose%d", p.rows)
	c.Function(name)
	c.Attributes(attr.NOSPLIT)
	c.SignatureExpr("func(dst *float32, ldd int, src *float32, lds int, blocks int)")
	c.Doc(fmt.Sprintf("%s transposes %d rows of 8·blocks floats, 8 by 8, into dst.", name, p.rows))
	dst, ldd, src, lds, n, s, d := reg.RDI, reg.R8, reg.RSI, reg.R9, reg.R10, reg.RDX, reg.RBX
	c.Load(c.Param("dst"), dst)
	c.Load(c.Param("ldd"), ldd)
	c.SHLQ(U8(2), ldd)
	c.Load(c.Param("src"), src)
	c.Load(c.Param("lds"), lds)
	c.SHLQ(U8(2), lds)
	c.Load(c.Param("blocks"), n)
	c.TESTQ(n, n)
	c.JZ(LabelRef("done"))
	r := ymm[:8]
	for i := p.rows; i < 8; i++ {
		c.VXORPS(r[i], r[i], r[i])
	}
	c.Label("block")
	c.MOVQ(src, s)
	for i := range p.rows {
		c.VMOVUPS(Mem{Base: s}, r[i])
		if i < p.rows-1 {
			c.ADDQ(lds, s)
		}
	}
	// Interleave pairs of rows, then quadruples; each 128-bit lane then holds four rows
	// of one column, and swapping lanes finishes the transpose.
	t := ymm[8:]
	for q := range 4 {
		c.VUNPCKLPS(r[2*q+1], r[2*q], t[2*q])
		c.VUNPCKHPS(r[2*q+1], r[2*q], t[2*q+1])
	}
	u := r // rows are consumed; u[4g+i] holds rows 4g…4g+3 of columns i and 4+i
	if p.rows < 8 {
		u = []reg.VecPhysical{ymm[0], ymm[1], ymm[2], ymm[3], ymm[4], ymm[5], ymm[14], ymm[15]}
	}
	for g := range 2 {
		c.VSHUFPS(U8(0x44), t[4*g+2], t[4*g], u[4*g])
		c.VSHUFPS(U8(0xee), t[4*g+2], t[4*g], u[4*g+1])
		c.VSHUFPS(U8(0x44), t[4*g+3], t[4*g+1], u[4*g+2])
		c.VSHUFPS(U8(0xee), t[4*g+3], t[4*g+1], u[4*g+3])
	}
	out := t // t is consumed; out[j] is column j
	for i := range 4 {
		c.VPERM2F128(U8(0x20), u[4+i], u[i], out[i])
		c.VPERM2F128(U8(0x31), u[4+i], u[i], out[4+i])
	}
	c.MOVQ(dst, d)
	for j := range 8 {
		switch p.rows {
		case 8:
			c.VMOVUPS(out[j], Mem{Base: d})
		case 6:
			c.VMOVUPS(out[j].AsX(), Mem{Base: d})
			// u is consumed, and X0 free for the upper half.
			c.VEXTRACTF128(U8(1), out[j], reg.X0)
			c.VMOVLPS(reg.X0, Mem{Base: d, Disp: 16})
		default:
			panic(fmt.Sprintf("%s: no store for %d rows", name, p.rows))
		}
		if j < 7 {
			c.ADDQ(ldd, d)
		}
	}
	c.ADDQ(U8(32), src)
	c.LEAQ(Mem{Base: d, Index: ldd, Scale: 1}, dst)
	c.DECQ(n)
	c.JNZ(LabelRef("block"))
	c.Label("done")
	c.VZEROUPPER()
	c.RET()
}
