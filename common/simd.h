/* simd.h - SIMD_CLONES marks a hot numeric kernel: GCC compiles it for
 * AVX2 and for the baseline ISA and picks one at load time, so the build
 * stays portable (no -march) and results do not change (integer kernels;
 * the float golden model is not cloned, so its rounding is the same on
 * every machine). */
#ifndef ATTN_SIMD_H
#define ATTN_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(__SANITIZE_ADDRESS__)
#define SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SIMD_CLONES
#endif

#endif
