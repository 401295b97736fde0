#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include "CCairnShims.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

size_t cairn_heap_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
#else
    return 0;
#endif
}

int cairn_start_writeback(int fd) {
#if defined(__linux__)
    return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
    return 0;
#endif
}

int cairn_accept_nonblocking(int listener) {
#if defined(__linux__)
    return accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    int fd = accept(listener, NULL, NULL);
    if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
#endif
}

#if defined(__linux__)
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <pthread.h>

int cairn_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int cairn_epoll_control(int epoll, int operation, int fd, uint32_t events) {
    static const int operations[] = { EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL };
    if (operation < 0 || operation > 2) { errno = EINVAL; return -1; }
    struct epoll_event event = { .events = events, .data = { .fd = fd } };
    return epoll_ctl(epoll, operations[operation], fd, &event);
}

int cairn_epoll_wait(int epoll, int *fds, uint32_t *events, int capacity, int timeout_ms) {
    struct epoll_event ready[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(epoll, ready, capacity, timeout_ms);
    for (int i = 0; i < count; i++) {
        fds[i] = ready[i].data.fd;
        events[i] = ready[i].events;
    }
    return count;
}

int cairn_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

void cairn_set_thread_name(const char *name) {
    char shortened[16];
    snprintf(shortened, sizeof shortened, "%s", name);
    pthread_setname_np(pthread_self(), shortened);
}
#else
void cairn_set_thread_name(const char *name) { (void)name; }
int cairn_epoll_create(void) { errno = ENOSYS; return -1; }
int cairn_epoll_control(int epoll, int operation, int fd, uint32_t events) { errno = ENOSYS; return -1; }
int cairn_epoll_wait(int epoll, int *fds, uint32_t *events, int capacity, int timeout_ms) { errno = ENOSYS; return -1; }
int cairn_eventfd(void) { errno = ENOSYS; return -1; }
#endif
