#ifndef BARENET_CCMARK_H
#define BARENET_CCMARK_H
// cmark, the CommonMark reference implementation (libcmark-dev), for a folder's README.
#include <cmark.h>
#endif
