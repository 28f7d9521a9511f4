// The pointwise micro-kernel loop (8 channels x 3 vectors, K=64) in C, to separate codegen from
// memory effects: TILES=1..16 tiles x 16 blocks of channels, the way runPointwise walks a chunk.
//   gcc -O3 -march=native Scripts/measure/microkernel.c -o /tmp/mk && TILES=8 /tmp/mk
// The pointwise micro-kernel's loop in C: 8 channels x 3 vectors of 16 pixels, K taps,
// weights broadcast, pixels loaded; panel and weights in L1. GFLOP/s on one thread.
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
static double now(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }
#define K 64
__attribute__((noinline)) static void kern(const float *a, const float *b, float *c, long k) {
    __m512 acc[8][3];
    for (int r = 0; r < 8; r++) for (int v = 0; v < 3; v++) acc[r][v] = _mm512_setzero_ps();
    for (long i = 0; i < k; i++) {
        __m512 b0 = _mm512_loadu_ps(b + i * 48), b1 = _mm512_loadu_ps(b + i * 48 + 16), b2 = _mm512_loadu_ps(b + i * 48 + 32);
        for (int r = 0; r < 8; r++) {
            __m512 s = _mm512_set1_ps(a[i * 8 + r]);
            acc[r][0] = _mm512_fmadd_ps(s, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(s, b1, acc[r][1]);
            acc[r][2] = _mm512_fmadd_ps(s, b2, acc[r][2]);
        }
    }
    for (int r = 0; r < 8; r++) for (int v = 0; v < 3; v++) _mm512_storeu_ps(c + r * 48 + v * 16, acc[r][v]);
}
int main(void) {
    int T = atoi(getenv("TILES") ? getenv("TILES") : "8"), B = 16;
    float *a = aligned_alloc(64, B * K * 8 * 4), *b = aligned_alloc(64, T * K * 48 * 4), *c = aligned_alloc(64, 8 * 48 * 4);
    for (int i = 0; i < B * K * 8; i++) a[i] = 1e-3f * (i % 7);
    for (int i = 0; i < T * K * 48; i++) b[i] = 1e-3f * (i % 5);
    long calls = 2000000 / (B * T) * (B * T), rounds = calls / (B * T); double t0 = now();
    for (long n = 0; n < rounds; n++) for (int blk = 0; blk < B; blk++) for (int t = 0; t < T; t++) kern(a + blk * K * 8, b + t * K * 48, c, K);
    double t = now() - t0;
    printf("C 8x3 kernel, K=%d, %d tiles x 16 blocks: %.1f GFLOP/s on one thread (c %.3f)\n", K, T, 2.0 * 8 * 48 * K * calls / t / 1e9, c[5]);
    return 0;
}
