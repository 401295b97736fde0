#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Writes a plain TCP connection's replies straight to its socket, as Redis's
/// `writeToClient` does at the end of a turn.
///
/// Handing a reply to the channel costs a trip through the pipeline and the channel's
/// write queue: measured at `-P 1` on SwiftNIO's channels, about 8% of the server's CPU
/// per GET beside the `write` itself. When the channel's queue holds none of this
/// connection's bytes, one `write(2)` does the same job. Whatever the socket does not
/// take (a slow reader, a full send buffer) or any error goes to the channel as before,
/// which then owns ordering, back-pressure and closing; while it holds bytes of ours,
/// every later reply goes through it too, so replies never overtake each other.
///
/// The descriptor is reached through the channel core's `withUnsafeTransport`, which
/// checks on every call that the channel still owns it, so a closed connection's number
/// (possibly reused by a new socket) is never written to. TLS connections and test
/// channels have no transport to reach and always use the pipeline.
struct SocketWriter {
    /// What a direct write did with the bytes it was given.
    enum Outcome: Equatable {
        /// The socket took every byte.
        case complete
        /// The socket took the first `written` bytes (possibly none: it was full).
        case partial(written: Int)
        /// The socket reported an error, or the channel no longer owns it: the channel is
        /// given the bytes and reports the error its own way.
        case failed
    }

    private let transport: any NIOTransportAccessibleChannelCore<NIOBSDSocket.Handle>

    /// Nil for a channel without a socket to reach (embedded channels in tests).
    init?(channel: any Channel) {
        guard let transport = channel._channelCore as? any NIOTransportAccessibleChannelCore<NIOBSDSocket.Handle> else {
            return nil
        }
        self.transport = transport
    }

    /// The socket's descriptor while the channel owns it, else -1 (CLIENT LIST's `fd`).
    var descriptor: CInt {
        (try? transport.withUnsafeTransport { $0 }) ?? -1
    }

    /// Writes as much of `bytes` as the socket takes now, without blocking. O(bytes).
    func write(_ bytes: ByteBuffer) -> Outcome {
        let outcome = try? transport.withUnsafeTransport { fd in
            bytes.withUnsafeReadableBytes { raw -> Outcome in
                guard let base = raw.baseAddress else { return .complete }
                var written = 0
                while written < raw.count {
                    let n = Glibc.write(fd, base + written, raw.count - written)
                    if n > 0 {
                        written += n
                    } else if n < 0 && errno == EINTR {
                        continue
                    } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                        return .partial(written: written)
                    } else {
                        return written > 0 ? .partial(written: written) : .failed
                    }
                }
                return .complete
            }
        }
        return outcome ?? .failed
    }
}
