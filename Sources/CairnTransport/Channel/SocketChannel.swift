public import NIOCore
import NIOConcurrencyHelpers

/// A TCP connection on a `SocketEventLoop`, as a SwiftNIO `Channel`: handlers, the
/// pipeline, futures and options work as on SwiftNIO's own sockets.
///
/// What other threads may read (addresses, whether it is open and writable, the close
/// future) is immutable or behind a lock; everything else lives in its `SocketCore`,
/// which only the loop's thread touches.
public final class SocketChannel: Channel {
    struct Flags {
        var active = false
        var writable = true
    }

    private let loop: SocketEventLoop
    public var eventLoop: any EventLoop { loop }
    public let allocator: ByteBufferAllocator
    public let localAddress: SocketAddress?
    public let remoteAddress: SocketAddress?
    public var parent: (any Channel)? { nil }

    let closePromise: EventLoopPromise<Void>
    public var closeFuture: EventLoopFuture<Void> { closePromise.futureResult }

    let flags = NIOLockedValueBox(Flags())
    private let core: NIOLoopBound<SocketCore>
    /// Set by `init` before it returns; the pipeline needs the channel to exist first.
    private let pipelineSlot = NIOLockedValueBox<ChannelPipeline?>(nil)

    /// A channel for the connected socket `fd`, created on the loop's thread.
    init(fd: CInt, loop: SocketEventLoop, selector: Selector, allocator: ByteBufferAllocator) {
        self.loop = loop
        self.allocator = allocator
        self.localAddress = try? SocketAddresses.local(of: fd)
        self.remoteAddress = try? SocketAddresses.remote(of: fd)
        self.closePromise = loop.makePromise()
        let core = SocketCore(fd: fd, selector: selector, allocator: allocator)
        self.core = NIOLoopBound(core, eventLoop: loop)
        let pipeline = ChannelPipeline(channel: self)
        pipelineSlot.withLockedValue { $0 = pipeline }
        core.attach(channel: self, pipeline: pipeline)
    }

    public var pipeline: ChannelPipeline {
        if let pipeline = pipelineSlot.withLockedValue({ $0 }) { return pipeline }
        // Not reached: init sets the slot before the channel can be seen.
        return ChannelPipeline(channel: self)
    }

    public var _channelCore: any ChannelCore { core.value }

    /// Sends this channel's reads to `target` instead of the pipeline (nil: back to the
    /// pipeline). On the channel's loop only. The channel holds `target` until it closes
    /// or this is called again.
    public func setReadTarget(_ target: (any SocketReadTarget)?) {
        core.value.readTarget = target
    }

    /// What a direct write did with the bytes it was given.
    public enum DirectWrite: Equatable, Sendable {
        /// The socket took every byte.
        case complete
        /// The socket took the first `written` bytes (possibly none: it was full).
        case partial(written: Int)
        /// The socket reported an error, or the channel no longer owns it: give the bytes
        /// to the channel, which reports the error its own way.
        case failed
    }

    /// Writes as much of `bytes` as the socket takes now, without blocking, as Redis's
    /// `writeToClient` does at the end of a turn; on the channel's loop only. O(bytes).
    ///
    /// Handing bytes to the channel costs a trip through the pipeline and the write queue
    /// (measured at `-P 1`, about 8% of the server's CPU per GET beside the `write`
    /// itself); when the queue holds none of the caller's bytes, one `write(2)` does the
    /// same job. The caller must send whatever is not taken through the channel, and
    /// everything after it too while the channel holds some, or bytes would overtake each
    /// other. The descriptor is used only while the channel is open, so a closed
    /// connection's number (possibly reused by a new socket) is never written to.
    public func writeDirectly(_ bytes: ByteBuffer) -> DirectWrite {
        core.value.writeDirectly(bytes)
    }

    /// The socket's descriptor while the channel is open, else -1 (CLIENT LIST's `fd`).
    /// On the channel's loop only.
    public var descriptor: CInt {
        let core = core.value
        guard case .open = core.state else { return -1 }
        return core.fd
    }

    public var isActive: Bool { flags.withLockedValue { $0.active } }
    public var isWritable: Bool { flags.withLockedValue { $0.writable } }

    public var syncOptions: (any NIOSynchronousChannelOptions)? { SynchronousOptions(core: core.value) }

    public func setOption<Option: ChannelOption>(_ option: Option, value: Option.Value) -> EventLoopFuture<Void> {
        let bound = core
        if loop.inEventLoop { return loop.makeCompletedFuture { try bound.value.setOption(option, value: value) } }
        return loop.submit { try bound.value.setOption(option, value: value) }
    }

    public func getOption<Option: ChannelOption>(_ option: Option) -> EventLoopFuture<Option.Value> {
        let bound = core
        if loop.inEventLoop { return loop.makeCompletedFuture { try bound.value.getOption(option) } }
        return loop.submit { try bound.value.getOption(option) }
    }

    /// Registers the socket with the loop and starts the pipeline: registered, active,
    /// and the first read. On the loop's thread, after the handlers were added.
    func activate() throws {
        try core.value.activate()
    }

    /// Gives up on a channel whose set-up failed before `activate`.
    func discard(_ error: any Error) {
        core.value.discard(error)
    }

    struct SynchronousOptions: NIOSynchronousChannelOptions {
        let core: SocketCore

        func setOption<Option: ChannelOption>(_ option: Option, value: Option.Value) throws {
            try core.setOption(option, value: value)
        }

        func getOption<Option: ChannelOption>(_ option: Option) throws -> Option.Value {
            try core.getOption(option)
        }
    }
}
