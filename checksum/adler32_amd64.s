//go:build amd64 && !purego

#include "textflag.h"

// Weights 32, 31, …, 1 for the bytes of a vector, and 16-bit ones for
// VPMADDWD to add adjacent products.
DATA adlerWeights<>+0(SB)/8, $0x191a1b1c1d1e1f20
DATA adlerWeights<>+8(SB)/8, $0x1112131415161718
DATA adlerWeights<>+16(SB)/8, $0x090a0b0c0d0e0f10
DATA adlerWeights<>+24(SB)/8, $0x0102030405060708
GLOBL adlerWeights<>(SB), RODATA|NOPTR, $32

DATA adlerOnes<>+0(SB)/8, $0x0001000100010001
DATA adlerOnes<>+8(SB)/8, $0x0001000100010001
DATA adlerOnes<>+16(SB)/8, $0x0001000100010001
DATA adlerOnes<>+24(SB)/8, $0x0001000100010001
GLOBL adlerOnes<>(SB), RODATA|NOPTR, $32

// func adler32AVX2(p []byte, acc *[12]uint64)
TEXT ·adler32AVX2(SB), NOSPLIT, $0-32
	MOVQ p_base+0(FP), SI
	MOVQ p_len+8(FP), CX
	MOVQ acc+24(FP), DI
	VPXOR Y0, Y0, Y0 // zero
	VPXOR Y1, Y1, Y1 // byte sums, 4×u64
	VPXOR Y2, Y2, Y2 // weighted sums, 8×u32
	VPXOR Y3, Y3, Y3 // running totals of Y1 before each vector, 4×u64
	VMOVDQU adlerWeights<>(SB), Y4
	VMOVDQU adlerOnes<>(SB), Y5
	SHRQ $5, CX
	JZ   done

loop:
	VMOVDQU    (SI), Y6
	VPADDQ     Y1, Y3, Y3
	VPSADBW    Y0, Y6, Y7
	VPADDQ     Y7, Y1, Y1
	VPMADDUBSW Y4, Y6, Y8
	VPMADDWD   Y5, Y8, Y8
	VPADDD     Y8, Y2, Y2
	ADDQ       $32, SI
	DECQ       CX
	JNZ        loop

done:
	VMOVDQU Y1, 0(DI)
	VMOVDQU Y3, 32(DI)
	VMOVDQU Y2, 64(DI)
	VZEROUPPER
	RET
