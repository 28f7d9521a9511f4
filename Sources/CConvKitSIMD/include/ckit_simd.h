#ifndef CKIT_SIMD_H
#define CKIT_SIMD_H

// Masked stores for the kernels' last, short vector of a row. Swift's SIMD types have no
// masked store: a Swift loop over the lanes (a store of the vector to the stack, then one
// load and one store per float) was 35 % of W1's time (perf record -e cpu-clock), whose
// 13-pixel output rows end in a short vector every time. AVX-512 stores the first `n`
// floats with one instruction; elsewhere this is the same loop, in C.
// The function is static inline: it is compiled into its Swift caller, for the caller's CPU.

typedef float ckit_float16 __attribute__((ext_vector_type(16)));

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

/// Stores the first `n` (0...16) floats of `v` at `p`; nothing past `p + n` is touched.
static inline __attribute__((always_inline)) void ckit_store_first16(float *p, ckit_float16 v, int n) {
#if defined(__AVX512F__)
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1u), (__m512)v);
#else
    for (int i = 0; i < n; i++) p[i] = v[i];
#endif
}

#endif
