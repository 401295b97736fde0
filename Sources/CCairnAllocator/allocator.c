// Cairn's counting malloc: glibc's allocator, with every allocation's usable size added
// to one counter and every free's subtracted, so `used_memory` is what the process holds
// at this instant without walking the heap (glibc's mallinfo2 takes tens of milliseconds
// on a large fragmented heap, too slow for INFO, let alone a memory limit checked per
// command).
//
// glibc supports replacing malloc by defining these functions in the program ("Replacing
// malloc" in its manual); each calls glibc's own implementation (__libc_*) and counts.
// Every entry point that allocates or frees is defined, so each counted allocation is
// uncounted by the same size when freed. Building with -Xcc -DCAIRN_PLAIN_MALLOC leaves
// glibc's malloc alone (scripts/bench_allocator.py measures the difference).
#include <stdlib.h>  // defines __GLIBC__ when the C library is glibc
#if defined(__GLIBC__) && !defined(CAIRN_PLAIN_MALLOC)
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include "CCairnAllocator.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

// One counter per thread, each written only by its thread (a plain load and store, no
// locked instruction: a malloc stays as cheap as glibc's), and summed by the reader. A
// block freed on another thread than the one that allocated it makes one counter go
// down and another up; the sum is still exact. Threads past the last slot share one
// counter updated atomically.
#define SLOTS 256
static _Atomic long long slots[SLOTS];
static _Atomic int slots_taken;
static _Atomic long long overflow;
static __thread int my_slot = -1;

static inline void add(long long delta) {
    int i = my_slot;
    if (__builtin_expect(i < 0, 0)) {
        i = atomic_fetch_add_explicit(&slots_taken, 1, memory_order_relaxed);
        if (i >= SLOTS) i = SLOTS;
        my_slot = i;
    }
    if (__builtin_expect(i < SLOTS, 1)) {
        atomic_store_explicit(&slots[i], atomic_load_explicit(&slots[i], memory_order_relaxed) + delta, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&overflow, delta, memory_order_relaxed);
    }
}

// Kept by the linker even though nothing in the program calls them by name (release
// builds drop unreferenced code), and exported, so that the shared libraries (the Swift
// runtime's allocations, Lua's, BoringSSL's) find them before glibc's.
#define REPLACES __attribute__((used, retain, visibility("default")))

static inline void *counted(void *p) {
    if (p) add((long long)malloc_usable_size(p));
    return p;
}

static inline void uncount(void *p) {
    if (p) add(-(long long)malloc_usable_size(p));
}

size_t cairn_allocated_bytes(void) {
    int taken = atomic_load_explicit(&slots_taken, memory_order_relaxed);
    long long total = atomic_load_explicit(&overflow, memory_order_relaxed);
    for (int i = 0; i < taken && i < SLOTS; i++) total += atomic_load_explicit(&slots[i], memory_order_relaxed);
    return total > 0 ? (size_t)total : 0;
}
int cairn_allocator_counts(void) { return 1; }

REPLACES void *malloc(size_t size) { return counted(__libc_malloc(size)); }
REPLACES void *calloc(size_t count, size_t size) { return counted(__libc_calloc(count, size)); }
REPLACES void *memalign(size_t alignment, size_t size) { return counted(__libc_memalign(alignment, size)); }
REPLACES void *valloc(size_t size) { return counted(__libc_valloc(size)); }
REPLACES void *pvalloc(size_t size) { return counted(__libc_pvalloc(size)); }

REPLACES void free(void *p) {
    uncount(p);
    __libc_free(p);
}

REPLACES void *realloc(void *p, size_t size) {
    size_t before = p ? malloc_usable_size(p) : 0;
    void *q = __libc_realloc(p, size);
    if (q) {
        add((long long)malloc_usable_size(q) - (long long)before);
    } else if (size == 0 && p) {
        add(-(long long)before);  // realloc(p, 0) freed p
    }
    return q;
}

REPLACES void *aligned_alloc(size_t alignment, size_t size) { return counted(__libc_memalign(alignment, size)); }

REPLACES int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0 || alignment == 0) return EINVAL;
    void *p = __libc_memalign(alignment, size);
    if (!p) return ENOMEM;
    *out = counted(p);
    return 0;
}

#else
#include "CCairnAllocator.h"
size_t cairn_allocated_bytes(void) { return 0; }
int cairn_allocator_counts(void) { return 0; }
#endif
