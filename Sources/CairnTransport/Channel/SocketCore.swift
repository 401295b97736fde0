import NIOCore
import DequeModule
import CCairnShims
#if canImport(Glibc)
import Glibc
#endif

/// The loop-side half of a `SocketChannel`: the socket, its reads, its queue of writes
/// and its closing. Only the loop's thread touches it.
///
/// It behaves as SwiftNIO's socket channels do where handlers can tell: reads happen
/// after `read()` is requested (automatically with `autoRead`), at most four per
/// readiness and stopping at the first short one, each passed up as a `ByteBuffer`, then
/// `channelReadComplete`; writes queue until `flush`, go out in order, and complete
/// their promises once the socket took them; writability follows the write-buffer water
/// marks (32 KiB low, 64 KiB high by default); `close` fails what was not written,
/// then fires `channelInactive` and `channelUnregistered`, removes the handlers and
/// completes the close future.
final class SocketCore: ChannelCore, Selectable {
    private struct PendingWrite {
        var buffer: ByteBuffer
        let promise: EventLoopPromise<Void>?
    }

    private enum State {
        /// Created, handlers being added; not yet on the loop.
        case idle
        case open
        case closed
    }

    private let fd: CInt
    private let selector: Selector
    private let allocator: ByteBufferAllocator
    /// Strong (a weak reference would give the channel a side table and slow every
    /// retain of it); the cycle is broken when the channel closes.
    private var channel: SocketChannel?
    private var pipelineReference: ChannelPipeline?
    private var state = State.idle

    // Reading
    private var readRequested = false
    private var autoRead = true
    private var allowRemoteHalfClosure = false
    private var inputClosed = false
    private var readBuffer: ByteBuffer
    /// Grows (to 64 KiB) while reads fill the buffer, as SwiftNIO's adaptive allocator does.
    private var readSize = 2048
    private static let maximumReadSize = 65536
    private static let readsPerReadiness = 4

    // Writing
    private var writes = Deque<PendingWrite>()
    /// How many of `writes`, from the front, were flushed.
    private var flushedCount = 0
    private var bufferedBytes = 0
    private var watermark = ChannelOptions.Types.WriteBufferWaterMark(low: 32 * 1024, high: 64 * 1024)
    private var writable = true
    private var outputClosed = false

    /// What epoll watches the socket for.
    private var interest: UInt32 = 0

    init(fd: CInt, selector: Selector, allocator: ByteBufferAllocator) {
        self.fd = fd
        self.selector = selector
        self.allocator = allocator
        self.readBuffer = allocator.buffer(capacity: 0)
    }

    func attach(channel: SocketChannel, pipeline: ChannelPipeline) {
        self.channel = channel
        self.pipelineReference = pipeline
    }

    /// Puts the socket on the loop and starts the pipeline. Closes the socket if epoll
    /// refuses it.
    func activate() throws {
        guard case .idle = state, let pipeline = pipelineReference else { throw ChannelError.inappropriateOperationForState }
        do {
            try selector.register(self, fd: fd, interest: 0)
        } catch {
            discard(error)
            throw error
        }
        state = .open
        channel?.flags.withLockedValue { $0.active = true }
        pipeline.syncOperations.fireChannelRegistered()
        pipeline.syncOperations.fireChannelActive()
        if autoRead { pipeline.syncOperations.read() }
    }

    // MARK: Readiness

    func ready(_ events: UInt32) {
        if events & UInt32(CAIRN_WRITABLE) != 0 {
            writeFlushed()
        }
        if events & UInt32(CAIRN_READABLE | CAIRN_HANGUP | CAIRN_ERROR) != 0, case .open = state {
            readable(hangup: events & UInt32(CAIRN_HANGUP | CAIRN_ERROR) != 0)
        }
    }

    private func readable(hangup: Bool) {
        guard readRequested, !inputClosed, let pipeline = pipelineReference else {
            // epoll reports errors and hang-ups whatever it watches for: with no read to
            // deliver them through, the connection is over now (or the loop would spin).
            if hangup { close(error: ChannelError.eof, promise: nil) } else { updateInterest() }
            return
        }
        readRequested = false
        var readSomething = false
        for _ in 0..<Self.readsPerReadiness {
            if readBuffer.capacity < readSize { readBuffer = allocator.buffer(capacity: readSize) } else { readBuffer.clear() }
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
                pipeline.syncOperations.fireChannelRead(NIOAny(readBuffer))
                guard case .open = state else { return }
                guard filled else { break }
                readSize = min(readSize * 2, Self.maximumReadSize)
            } else if result == 0 {
                if readSomething { pipeline.syncOperations.fireChannelReadComplete() }
                endOfInput()
                return
            } else if code == EINTR {
                continue
            } else if code == EAGAIN || code == EWOULDBLOCK {
                break
            } else {
                if readSomething { pipeline.syncOperations.fireChannelReadComplete() }
                fail(IOError(errnoCode: code, reason: "read(descriptor:pointer:size:)"))
                return
            }
        }
        if readSomething { pipeline.syncOperations.fireChannelReadComplete() }
        guard case .open = state else { return }
        if autoRead && !readRequested { pipeline.syncOperations.read() }
        updateInterest()
    }

    /// The peer closed its side: with half-closure allowed the channel hears
    /// `ChannelEvent.inputClosed` and can still write; otherwise it closes.
    private func endOfInput() {
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
    private func fail(_ error: any Error) {
        guard case .open = state else { return }
        pipelineReference?.syncOperations.fireErrorCaught(error)
        close(error: error, promise: nil)
    }

    private func updateInterest() {
        guard case .open = state else { return }
        var wanted: UInt32 = 0
        if readRequested && !inputClosed { wanted |= UInt32(CAIRN_READABLE) }
        if flushedCount > 0 { wanted |= UInt32(CAIRN_WRITABLE) }
        guard wanted != interest else { return }
        interest = wanted
        selector.change(fd: fd, interest: wanted)
    }

    // MARK: Writing

    private func writeFlushed() {
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

    private func updateWritability() {
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

    // MARK: Closing

    private func close(error: any Error, promise: EventLoopPromise<Void>?) {
        guard case .open = state else {
            promise?.fail(ChannelError.alreadyClosed)
            return
        }
        state = .closed
        selector.deregister(fd: fd)
        Glibc.close(fd)
        channel?.flags.withLockedValue { $0.active = false }
        let abandoned = writes
        writes.removeAll()
        flushedCount = 0
        bufferedBytes = 0
        for write in abandoned { write.promise?.fail(error) }
        promise?.succeed(())
        guard let pipeline = pipelineReference else { return }
        pipeline.syncOperations.fireChannelInactive()
        pipeline.syncOperations.fireChannelUnregistered()
        let closePromise = channel?.closePromise
        selector.loop.assumeIsolated().execute { [self] in
            removeHandlers(pipeline: pipeline)
            pipelineReference = nil
            channel = nil
            closePromise?.succeed(())
        }
    }

    /// A channel whose set-up failed before it started: the socket is closed and the
    /// handlers removed without the events of a started channel.
    func discard(_ error: any Error) {
        guard case .idle = state else { return }
        state = .closed
        Glibc.close(fd)
        if let pipeline = pipelineReference {
            removeHandlers(pipeline: pipeline)
            pipelineReference = nil
        }
        channel?.closePromise.fail(error)
        channel = nil
    }

    /// Graceful shutdown: the handlers finish and close.
    func quiesce() {
        guard case .open = state else { return }
        pipelineReference?.syncOperations.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
    }

    func closeForShutdown() {
        close(error: ChannelError.ioOnClosedChannel, promise: nil)
    }

    // MARK: ChannelCore

    public func localAddress0() throws -> SocketAddress { try SocketAddresses.local(of: fd) }
    public func remoteAddress0() throws -> SocketAddress { try SocketAddresses.remote(of: fd) }

    public func register0(promise: EventLoopPromise<Void>?) { promise?.succeed(()) }
    public func registerAlreadyConfigured0(promise: EventLoopPromise<Void>?) { promise?.succeed(()) }

    public func bind0(to: SocketAddress, promise: EventLoopPromise<Void>?) {
        promise?.fail(ChannelError.operationUnsupported)
    }

    public func connect0(to: SocketAddress, promise: EventLoopPromise<Void>?) {
        promise?.fail(ChannelError.operationUnsupported)
    }

    public func write0(_ data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .open = state, !outputClosed else {
            promise?.fail(outputClosed ? ChannelError.outputClosed : ChannelError.ioOnClosedChannel)
            return
        }
        let buffer = unwrapData(data, as: ByteBuffer.self)
        writes.append(PendingWrite(buffer: buffer, promise: promise))
        bufferedBytes += buffer.readableBytes
        updateWritability()
    }

    public func flush0() {
        guard case .open = state else { return }
        flushedCount = writes.count
        writeFlushed()
    }

    public func read0() {
        guard case .open = state, !inputClosed else { return }
        readRequested = true
        updateInterest()
    }

    public func close0(error: any Error, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        switch mode {
        case .all:
            close(error: error, promise: promise)
        case .output:
            guard case .open = state, !outputClosed else {
                promise?.fail(ChannelError.outputClosed)
                return
            }
            outputClosed = true
            let abandoned = writes
            writes.removeAll()
            flushedCount = 0
            bufferedBytes = 0
            for write in abandoned { write.promise?.fail(error) }
            shutdown(fd, CInt(SHUT_WR))
            updateInterest()
            promise?.succeed(())
            pipelineReference?.syncOperations.fireUserInboundEventTriggered(ChannelEvent.outputClosed)
        case .input:
            guard case .open = state, !inputClosed else {
                promise?.fail(ChannelError.inputClosed)
                return
            }
            inputClosed = true
            shutdown(fd, CInt(SHUT_RD))
            updateInterest()
            promise?.succeed(())
            pipelineReference?.syncOperations.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }

    public func triggerUserOutboundEvent0(_ event: Any, promise: EventLoopPromise<Void>?) {
        promise?.fail(ChannelError.operationUnsupported)
    }

    public func channelRead0(_ data: NIOAny) {
        // Nothing handled it; the buffer is released.
    }

    public func errorCaught0(error: any Error) {
        // Nothing handled it; the socket error closes the channel anyway.
    }

    // MARK: Options

    func setOption<Option: ChannelOption>(_ option: Option, value: Option.Value) throws {
        switch option {
        case is ChannelOptions.Types.AutoReadOption:
            guard let on = value as? Bool else { throw ChannelError.operationUnsupported }
            autoRead = on
            if on && !readRequested, case .open = state { pipelineReference?.syncOperations.read() }
        case is ChannelOptions.Types.AllowRemoteHalfClosureOption:
            guard let on = value as? Bool else { throw ChannelError.operationUnsupported }
            allowRemoteHalfClosure = on
        case is ChannelOptions.Types.WriteBufferWaterMarkOption:
            guard let marks = value as? ChannelOptions.Types.WriteBufferWaterMark else { throw ChannelError.operationUnsupported }
            watermark = marks
            updateWritability()
        case let socketOption as ChannelOptions.Types.SocketOption:
            guard let number = value as? SocketOptionValue else { throw ChannelError.operationUnsupported }
            var raw = number
            guard setsockopt(fd, socketOption.optionLevel.rawValue, socketOption.optionName.rawValue, &raw, socklen_t(MemoryLayout<SocketOptionValue>.size)) == 0 else {
                throw IOError(errnoCode: errno, reason: "setsockopt")
            }
        default:
            throw ChannelError.operationUnsupported
        }
    }

    func getOption<Option: ChannelOption>(_ option: Option) throws -> Option.Value {
        let value: Any
        switch option {
        case is ChannelOptions.Types.AutoReadOption: value = autoRead
        case is ChannelOptions.Types.AllowRemoteHalfClosureOption: value = allowRemoteHalfClosure
        case is ChannelOptions.Types.WriteBufferWaterMarkOption: value = watermark
        case is ChannelOptions.Types.BufferedWritableBytesOption: value = bufferedBytes
        default: throw ChannelError.operationUnsupported
        }
        guard let typed = value as? Option.Value else { throw ChannelError.operationUnsupported }
        return typed
    }
}

extension SocketCore: NIOTransportAccessibleChannelCore {
    /// The socket, while the channel is open (SocketWriter writes to it directly).
    public func withUnsafeTransport<Result>(_ body: (NIOBSDSocket.Handle) throws -> Result) throws -> Result {
        guard case .open = state else { throw ChannelError.ioOnClosedChannel }
        return try body(fd)
    }
}
