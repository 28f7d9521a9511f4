// Everything in this module is static inline in include/ckit_simd.h; SwiftPM needs one source file.
#include "ckit_simd.h"
