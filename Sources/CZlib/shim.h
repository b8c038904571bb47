// zlib (Debian zlib1g-dev), used to read gzip-compressed IDX dataset files.
#include <zlib.h>
