// Memory bandwidth for the W2/W5 target of issue 4 (read the input and write the output once):
//   gcc -O2 -mavx512f -pthread Scripts/measure/bandwidth.c -o /tmp/bandwidth && /tmp/bandwidth
// Scale loop b[i] = s * a[i] over 2 x 200 MB, 2 threads; bandwidth counts bytes read + written.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define N (50L * 1000 * 1000)
static float *a, *b;
static void *work(void *arg) { long t = (long)arg; long lo = N / 2 * t, hi = N / 2 * (t + 1);
  for (long i = lo; i < hi; i++) b[i] = 1.0001f * a[i]; return 0; }
static double now(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }
int main(void) {
  a = aligned_alloc(64, N * 4); b = aligned_alloc(64, N * 4);
  for (long i = 0; i < N; i++) { a[i] = i; b[i] = 0; }
  double best = 1e9, ts[9];
  for (int r = 0; r < 9; r++) { pthread_t th[2]; double t0 = now();
    for (long t = 0; t < 2; t++) pthread_create(&th[t], 0, work, (void *)t);
    for (int t = 0; t < 2; t++) pthread_join(th[t], 0);
    ts[r] = now() - t0; if (ts[r] < best) best = ts[r]; }
  for (int i = 0; i < 9; i++) for (int j = i + 1; j < 9; j++) if (ts[j] < ts[i]) { double x = ts[i]; ts[i] = ts[j]; ts[j] = x; }
  printf("scale 2x200MB, 2 threads: median %.1f ms = %.1f GB/s (best %.1f GB/s), read+written bytes\n", ts[4] * 1e3, 2.0 * N * 4 / ts[4] / 1e9, 2.0 * N * 4 / best / 1e9);
  return (int)b[7] == 12345;
}
