// Macros of the AVX-512 loops of package cpu.

// TAILMASK sets K1 to the low CX bits, CX < 16, using AX.
#define TAILMASK MOVL $1, AX; SHLL CX, AX; DECL AX; KMOVW AX, K1

// ONE sets Z to sixteen copies of 1.0, using AX.
#define ONE(Z) MOVL $0x3f800000, AX; VPBROADCASTD AX, Z

// HSUM adds the eight float64 lanes of Z into the low lane of X, in a fixed order, using
// register 6.
#define HSUM(Z, Y, X) VEXTRACTF64X4 $1, Z, Y6; VADDPD Y6, Y, Y; VEXTRACTF128 $1, Y, X6; VADDPD X6, X, X; VPERMILPD $1, X, X6; VADDSD X6, X, X
