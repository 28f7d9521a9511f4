/* jpeglib.h needs size_t and FILE declared first. */
#include <stdio.h>
#include <jpeglib.h>
