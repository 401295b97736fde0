#ifndef CCAIRN_SHIMS_H
#define CCAIRN_SHIMS_H
#include <stddef.h>

/// Bytes currently allocated through malloc (glibc's mallinfo2: in-use chunks plus
/// mmapped blocks), or 0 where the C library does not report it.
size_t cairn_heap_in_use(void);

#endif
