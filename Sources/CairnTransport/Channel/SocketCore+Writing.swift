import NIOCore
import CCairnShims
#if canImport(Glibc)
import Glibc
#endif

extension SocketCore {
    // MARK: Writing

    /// Writes as much of `bytes` as the socket takes now, without blocking, bypassing the
    /// write queue (see `SocketChannel.writeDirectly`). O(bytes).
    func writeDirectly(_ bytes: ByteBuffer) -> SocketChannel.DirectWrite {
        guard case .open = state else { return .failed }
        let fd = self.fd
        return bytes.withUnsafeReadableBytes { raw -> SocketChannel.DirectWrite in
            guard let base = raw.baseAddress else { return .complete }
            var written = 0
            while written < raw.count {
                let n = Glibc.write(fd, base + written, raw.count - written)
                if n > 0 {
                    written += n
                    continue
                }
                if n < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    if code == EAGAIN || code == EWOULDBLOCK { return .partial(written: written) }
                }
                return written > 0 ? .partial(written: written) : .failed
            }
            return .complete
        }
    }

    func writeFlushed() {
        guard case .open = state else { return }
        var completed: [EventLoopPromise<Void>] = []
        var failure: (any Error)?
        while flushedCount > 0, var first = writes.first {
            let count = first.buffer.readableBytes
            var written = 0
            var code: CInt = 0
            if count > 0 {
                written = first.buffer.withUnsafeReadableBytes { bytes in Glibc.write(fd, bytes.baseAddress, bytes.count) }
                if written < 0 { code = errno }
            }
            if written == count {
                writes.removeFirst()
                flushedCount -= 1
                bufferedBytes -= count
                if let promise = first.promise { completed.append(promise) }
            } else if written > 0 {
                first.buffer.moveReaderIndex(forwardBy: written)
                bufferedBytes -= written
                writes[writes.startIndex] = first
            } else if code == EINTR {
                continue
            } else if code == EAGAIN || code == EWOULDBLOCK {
                break
            } else {
                failure = IOError(errnoCode: code, reason: "write(descriptor:pointer:size:)")
                break
            }
        }
        updateInterest()
        updateWritability()
        for promise in completed { promise.succeed(()) }
        if let failure { fail(failure) }
    }

    func updateWritability() {
        let wasWritable = writable
        if writable && bufferedBytes > watermark.high {
            writable = false
        } else if !writable && bufferedBytes < watermark.low {
            writable = true
        }
        guard writable != wasWritable else { return }
        let now = writable
        channel?.flags.withLockedValue { $0.writable = now }
        pipelineReference?.syncOperations.fireChannelWritabilityChanged()
    }

}
