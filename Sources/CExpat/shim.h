#ifndef BARENET_CEXPAT_H
#define BARENET_CEXPAT_H
// expat (libexpat1-dev): the namespace-aware XML parser for WebDAV request bodies.
#include <expat.h>
#endif
