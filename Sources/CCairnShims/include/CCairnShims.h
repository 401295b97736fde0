#ifndef CCAIRN_SHIMS_H
#define CCAIRN_SHIMS_H
#include <stddef.h>

/// Bytes currently allocated through malloc (glibc's mallinfo2: in-use chunks plus
/// mmapped blocks), or 0 where the C library does not report it.
size_t cairn_heap_in_use(void);

/// Starts writing back `fd`'s dirty pages without waiting (Linux's sync_file_range with
/// SYNC_FILE_RANGE_WRITE, which Swift's Glibc module does not expose); 0 or -1 and errno.
int cairn_start_writeback(int fd);

/// Asks the CPU to start loading the cache line at `address` so that a read soon after
/// finds it there (GCC/Clang's __builtin_prefetch: a hint that never faults).
static inline void cairn_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// accept4 without blocking, the new socket non-blocking and close-on-exec; -1 and errno.
int cairn_accept_nonblocking(int listener);

#endif
