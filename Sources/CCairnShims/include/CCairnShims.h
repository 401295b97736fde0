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


#include <stdint.h>

/// Readiness bits as Linux's epoll numbers them (the event loop's own names).
enum {
    CAIRN_READABLE = 0x001,   /* EPOLLIN */
    CAIRN_WRITABLE = 0x004,   /* EPOLLOUT */
    CAIRN_ERROR = 0x008,      /* EPOLLERR */
    CAIRN_HANGUP = 0x010,     /* EPOLLHUP */
};

/// A close-on-exec epoll instance; -1 and errno (ENOSYS where there is no epoll).
int cairn_epoll_create(void);

/// Adds (`operation` 0), changes (1) or removes (2) `fd`'s interest in `events`
/// (level-triggered); 0 or -1 and errno.
int cairn_epoll_control(int epoll, int operation, int fd, uint32_t events);

/// Waits up to `timeout_ms` (-1: no limit) for at most `capacity` ready descriptors,
/// written to `fds` with their readiness bits in `events` (epoll's packed struct stays in
/// C). The count, or -1 and errno.
int cairn_epoll_wait(int epoll, int *fds, uint32_t *events, int capacity, int timeout_ms);

/// Names the calling thread (as `top -H` and `perf` show it; Linux keeps 15 bytes).
void cairn_set_thread_name(const char *name);

/// A non-blocking, close-on-exec eventfd that wakes an epoll wait; -1 and errno.
int cairn_eventfd(void);

#endif
