#define _GNU_SOURCE
#include <arpa/inet.h>
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

static int format_address(const struct sockaddr_storage *address, char *out, size_t size) {
    char ip[INET6_ADDRSTRLEN];
    if (address->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)address;
        if (inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip) == NULL) return 0;
        snprintf(out, size, "%s:%u", ip, (unsigned)ntohs(in->sin_port));
        return 1;
    }
    if (address->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)address;
        if (inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip) == NULL) return 0;
        snprintf(out, size, "[%s]:%u", ip, (unsigned)ntohs(in6->sin6_port));
        return 1;
    }
    return 0;
}

int cairn_describe_socket(int fd, int *listening, char *local, size_t local_size, char *peer, size_t peer_size) {
    int type = 0, accepting = 0;
    socklen_t length = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM) return 0;
    length = sizeof accepting;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) != 0) return 0;
    struct sockaddr_storage address;
    socklen_t address_length = sizeof address;
    if (getsockname(fd, (struct sockaddr *)&address, &address_length) != 0 || !format_address(&address, local, local_size)) return 0;
    *listening = accepting;
    if (peer_size > 0) peer[0] = 0;
    if (!accepting) {
        address_length = sizeof address;
        if (getpeername(fd, (struct sockaddr *)&address, &address_length) != 0 || !format_address(&address, peer, peer_size)) return 0;
    }
    return 1;
}

int cairn_descriptor_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 1048576) return 65536;
    return (int)limit.rlim_cur;
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
