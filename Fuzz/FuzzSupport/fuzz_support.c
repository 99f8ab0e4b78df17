#include "FuzzSupport.h"

#include <stdio.h>
#include <stdlib.h>

/// libFuzzer's entry point, called for every input it makes up (scripts/fuzz links libFuzzer,
/// whose main() drives it). In a plain build nothing calls it.
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  barenet_fuzz_one(data, size);
  return 0;
}

int barenet_replay(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    FILE *file = fopen(argv[i], "rb");
    if (file == NULL) {
      perror(argv[i]);
      return 2;
    }
    size_t size = 0, capacity = 65536;
    uint8_t *data = malloc(capacity);
    size_t n;
    while (data != NULL && (n = fread(data + size, 1, capacity - size, file)) > 0) {
      size += n;
      if (size == capacity) data = realloc(data, capacity *= 2);
    }
    fclose(file);
    if (data == NULL) return 2;
    barenet_fuzz_one(data, size);
    free(data);
  }
  return 0;
}
