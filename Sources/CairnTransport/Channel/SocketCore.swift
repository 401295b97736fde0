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
/// after `read()` is requested (automatically with `autoRead`, without a pass through
/// the pipeline: see `readable`), at most four per
/// readiness and stopping at the first short one, each passed up as a `ByteBuffer`, then
/// `channelReadComplete` (or both to a `SocketReadTarget`, when one is set); writes queue until `flush`, go out in order, and complete
/// their promises once the socket took them; writability follows the write-buffer water
/// marks (32 KiB low, 64 KiB high by default); `close` fails what was not written,
/// then fires `channelInactive` and `channelUnregistered`, removes the handlers and
/// completes the close future.
final class SocketCore: ChannelCore, Selectable {
    struct PendingWrite {
        var buffer: ByteBuffer
        let promise: EventLoopPromise<Void>?
    }

    enum State {
        /// Created, handlers being added; not yet on the loop.
        case idle
        case open
        case closed
    }

    let fd: CInt
    let selector: Selector
    let allocator: ByteBufferAllocator
    /// Strong (a weak reference would give the channel a side table and slow every
    /// retain of it); the cycle is broken when the channel closes.
    var channel: SocketChannel?
    var pipelineReference: ChannelPipeline?
    var state = State.idle

    // Reading
    var readRequested = false
    var autoRead = true
    var allowRemoteHalfClosure = false
    var inputClosed = false
    var readBuffer: ByteBuffer
    /// Takes the reads instead of the pipeline, when set (see `SocketReadTarget`).
    var readTarget: (any SocketReadTarget)?
    /// Grows (to 64 KiB) while reads fill the buffer and shrinks back after a run of
    /// small reads, as SwiftNIO's adaptive allocator does: an idle connection that once
    /// received a large value does not keep 64 KiB.
    var readSize = SocketCore.minimumReadSize
    var smallReads = 0
    static let minimumReadSize = 2048
    static let maximumReadSize = 65536
    static let readsPerReadiness = 4

    // Writing
    var writes = Deque<PendingWrite>()
    /// How many of `writes`, from the front, were flushed.
    var flushedCount = 0
    var bufferedBytes = 0
    var watermark = ChannelOptions.Types.WriteBufferWaterMark(low: 32 * 1024, high: 64 * 1024)
    var writable = true
    var outputClosed = false

    /// What epoll watches the socket for.
    var interest: UInt32 = 0

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


    func updateInterest() {
        guard case .open = state else { return }
        var wanted: UInt32 = 0
        if readRequested && !inputClosed { wanted |= UInt32(CAIRN_READABLE) }
        if flushedCount > 0 { wanted |= UInt32(CAIRN_WRITABLE) }
        guard wanted != interest else { return }
        interest = wanted
        selector.change(fd: fd, interest: wanted)
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
}

extension SocketCore: NIOTransportAccessibleChannelCore {
    /// The socket, while the channel is open (SwiftNIO's way to reach it; Cairn's own code
    /// uses `SocketChannel.descriptor` and `writeDirectly`).
    public func withUnsafeTransport<Result>(_ body: (NIOBSDSocket.Handle) throws -> Result) throws -> Result {
        guard case .open = state else { throw ChannelError.ioOnClosedChannel }
        return try body(fd)
    }
}
