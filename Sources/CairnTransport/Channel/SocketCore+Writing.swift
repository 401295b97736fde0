import NIOCore
import CCairnShims
#if canImport(Glibc)
import Glibc
#endif

extension SocketCore {
    // MARK: Writing

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
