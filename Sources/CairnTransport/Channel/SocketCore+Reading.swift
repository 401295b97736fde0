import NIOCore
import CCairnShims
#if canImport(Glibc)
import Glibc
#endif

extension SocketCore {
    // MARK: Reading

    func readable(hangup: Bool) {
        guard readRequested, !inputClosed, let pipeline = pipelineReference else {
            // epoll reports errors and hang-ups whatever it watches for: with no read to
            // deliver them through, the connection is over now (or the loop would spin).
            if hangup { close(error: ChannelError.eof, promise: nil) } else { updateInterest() }
            return
        }
        readRequested = false
        var readSomething = false
        for _ in 0..<Self.readsPerReadiness {
            if readBuffer.capacity < readSize || readBuffer.capacity > 2 * readSize {
                readBuffer = allocator.buffer(capacity: readSize)
            } else {
                readBuffer.clear()
            }
            var result = 0
            var code: CInt = 0
            let fd = self.fd
            readBuffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { space in
                result = Glibc.read(fd, space.baseAddress, space.count)
                if result < 0 { code = errno }
                return max(result, 0)
            }
            if result > 0 {
                readSomething = true
                let filled = result == readBuffer.capacity
                if let readTarget {
                    readTarget.socketDidRead(readBuffer)
                } else {
                    pipeline.syncOperations.fireChannelRead(NIOAny(readBuffer))
                }
                guard case .open = state else { return }
                guard filled else {
                    noteSmallRead(result)
                    break
                }
                smallReads = 0
                readSize = min(readSize * 2, Self.maximumReadSize)
            } else if result == 0 {
                if readSomething { finishReading(pipeline) }
                endOfInput()
                return
            } else if code == EINTR {
                continue
            } else if code == EAGAIN || code == EWOULDBLOCK {
                break
            } else {
                if readSomething { finishReading(pipeline) }
                fail(IOError(errnoCode: code, reason: "read(descriptor:pointer:size:)"))
                return
            }
        }
        if readSomething { finishReading(pipeline) }
        guard case .open = state else { return }
        // With autoRead the next read is requested here, not by a `read()` through the
        // pipeline as SwiftNIO's channels do: no handler on Cairn's connections holds
        // reads back (ConnectionHandler and NIOSSL's handler pass `read` on), and the
        // pipeline's outbound pass cost ~80 ns per read at `-P 1`. A handler that must
        // hold reads back turns autoRead off and calls `read()` itself.
        if autoRead { readRequested = true }
        updateInterest()
    }

    /// The end of a readiness's reads, to whoever took them.
    private func finishReading(_ pipeline: ChannelPipeline) {
        if let readTarget {
            readTarget.socketDidFinishReading()
        } else {
            pipeline.syncOperations.fireChannelReadComplete()
        }
    }

    /// How much the next read asks for.
    var nextReadSize: Int { readSize }

    /// Halves the read size after 8 reads in a row that used under a quarter of it.
    func noteSmallRead(_ bytes: Int) {
        guard readSize > Self.minimumReadSize, bytes < readSize / 4 else {
            smallReads = 0
            return
        }
        smallReads += 1
        if smallReads >= 8 {
            smallReads = 0
            readSize /= 2
        }
    }

    /// The peer closed its side: with half-closure allowed the channel hears
    /// `ChannelEvent.inputClosed` and can still write; otherwise it closes.
    func endOfInput() {
        guard case .open = state else { return }
        if allowRemoteHalfClosure {
            inputClosed = true
            updateInterest()
            pipelineReference?.syncOperations.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        } else {
            close(error: ChannelError.eof, promise: nil)
        }
    }

    /// A socket error: handlers hear it, then the channel closes.
    func fail(_ error: any Error) {
        guard case .open = state else { return }
        pipelineReference?.syncOperations.fireErrorCaught(error)
        close(error: error, promise: nil)
    }

}
