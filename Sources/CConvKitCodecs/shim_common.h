/* Helpers shared by png_shim.c and jpeg_shim.c (not part of the public header). */
#ifndef CKIT_SHIM_COMMON_H
#define CKIT_SHIM_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define CKIT_MSG_SIZE 512
#define CKIT_WARN_SIZE 2048

/* Copies a message into a fixed buffer, truncating. */
static inline void ckit_set_message(char *dst, size_t cap, const char *src) {
    snprintf(dst, cap, "%s", src ? src : "");
}

/* Appends one line to a warnings buffer; later warnings are dropped when full. */
static inline void ckit_add_warning(char *dst, size_t cap, const char *msg) {
    size_t used = strlen(dst);
    if (used + 2 >= cap) return;
    snprintf(dst + used, cap - used, "%s%s", used ? "\n" : "", msg ? msg : "");
}

/* Bytes buffered before a write(2) by the row-wise encoders: libpng and
 * libjpeg hand over a few bytes at a time (chunk headers, CRCs). */
#define CKIT_OUT_BUFFER ((size_t)64 << 10)

/* A stdio stream over a duplicate of `fd`, rewound to the start, so that the
 * caller keeps (and closes) its own descriptor; NULL with errno set. The dup
 * shares the file offset with `fd`, hence the rewind. */
static inline FILE *ckit_open_fd(int fd) {
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return NULL;
    FILE *file = NULL;
    if (lseek(copy, 0, SEEK_SET) == 0) file = fdopen(copy, "rb");
    if (!file) {
        int saved = errno;
        close(copy);
        errno = saved;
    }
    return file;
}

/* Reads `n` bytes at `offset`; the count read (short at end of file), or -1. */
static inline ssize_t ckit_pread_full(int fd, void *dst, size_t n, uint64_t offset) {
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (char *)dst + done, n - done, (off_t)(offset + done));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        done += (size_t)r;
    }
    return (ssize_t)done;
}

/* Writes all `n` bytes; 0, or the errno of the failed write(2). */
static inline int ckit_write_all(int fd, const void *src, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, (const char *)src + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return errno ? errno : EIO;
        if (w == 0) return EIO;
        done += (size_t)w;
    }
    return 0;
}

#endif
