#ifndef BARENET_CZLIB_H
#define BARENET_CZLIB_H
#include <zlib.h>

/// deflateInit2 is a macro; Swift cannot call macros, so wrap it.
static inline int barenet_deflateInit2(z_streamp strm, int level, int windowBits) {
  return deflateInit2(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
/// inflateInit2 likewise (used by tests to check what we compress).
static inline int barenet_inflateInit2(z_streamp strm, int windowBits) {
  return inflateInit2(strm, windowBits);
}
#endif
