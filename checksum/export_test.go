package checksum

// UseAVX2 lets the black-box tests run the pure-Go Adler-32 path on a CPU
// that has AVX2.
var UseAVX2 = &useAVX2
