// The two ways a fuzz target runs. Each target defines barenet_fuzz_one (in Swift, with
// @_cdecl); this small C library calls it from libFuzzer's entry point, or replays files.
#ifndef BARENET_FUZZ_SUPPORT_H
#define BARENET_FUZZ_SUPPORT_H
#include <stddef.h>
#include <stdint.h>

/// Defined by each target: examine one input, crash only on a bug.
void barenet_fuzz_one(const uint8_t *data, size_t size);

/// Feeds the contents of each file named in argv[1...] to barenet_fuzz_one. Returns 0, or 2
/// if a file cannot be read. A target built without -sanitize=fuzzer is this replayer: the
/// tests run it over fixtures/fuzz so every crash ever found stays fixed.
int barenet_replay(int argc, char **argv);

#endif
