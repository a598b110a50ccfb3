/* The C library functions the core needs, for the libc-free WebAssembly build. With bulk memory enabled clang
 * lowers the builtins to memory.copy and memory.fill. */
#include <stddef.h>

void *memcpy(void *destination, const void *source, size_t bytes) {
  return __builtin_memcpy(destination, source, bytes);
}

void *memset(void *destination, int value, size_t bytes) { return __builtin_memset(destination, value, bytes); }
