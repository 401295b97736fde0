#ifndef CCAIRN_SHIMS_H
#define CCAIRN_SHIMS_H
#include <stddef.h>

/// Bytes currently allocated through malloc (glibc's mallinfo2: in-use chunks plus
/// mmapped blocks), or 0 where the C library does not report it.
size_t cairn_heap_in_use(void);

/// Starts writing back `fd`'s dirty pages without waiting (Linux's sync_file_range with
/// SYNC_FILE_RANGE_WRITE, which Swift's Glibc module does not expose); 0 or -1 and errno.
int cairn_start_writeback(int fd);

/// Describes descriptor `fd` if it is a TCP socket: returns 1 and fills whether it is
/// listening, and its local and peer addresses as "ip:port" ("[ip]:port" for IPv6; the
/// peer is empty for a listener); returns 0 for anything else. Used only to find client
/// sockets while a script is busy (SwiftNIO does not expose its descriptors).
int cairn_describe_socket(int fd, int *listening, char *local, size_t local_size, char *peer, size_t peer_size);

/// One past the highest descriptor the process may have open.
int cairn_descriptor_limit(void);

/// accept4 without blocking, the new socket non-blocking and close-on-exec; -1 and errno.
int cairn_accept_nonblocking(int listener);

#endif
