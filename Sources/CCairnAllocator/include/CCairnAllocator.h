#ifndef CCAIRN_ALLOCATOR_H
#define CCAIRN_ALLOCATOR_H
#include <stddef.h>

/// Bytes the process holds from malloc right now — every live allocation's usable size,
/// counted as it is made and freed (Redis's `used_memory`, which zmalloc counts the same
/// way). Reading it is one atomic load. Returns 0 where Cairn's counting malloc is not
/// in use (C libraries other than glibc).
size_t cairn_allocated_bytes(void);

/// Whether allocations are being counted.
int cairn_allocator_counts(void);

#endif
