/* Helpers shared by png_shim.c and jpeg_shim.c (not part of the public header). */
#ifndef CKIT_SHIM_COMMON_H
#define CKIT_SHIM_COMMON_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

#endif
