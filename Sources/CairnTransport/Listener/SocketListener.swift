public import NIOCore
import NIOConcurrencyHelpers
import CCairnShims
#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket on a `SocketEventLoop`. Every connection it accepts becomes a
/// `SocketChannel` on the same loop, set up with TCP_NODELAY and SO_KEEPALIVE (as Redis
/// sets its clients), given its handlers by the listener's initializer, then started.
public final class SocketListener: Sendable {
    /// The address bound (with port 0, the port the kernel picked).
    public let localAddress: SocketAddress
    /// The listening socket, for code that must accept while the loop is busy; valid
    /// until `closeFuture` completes.
    public let descriptor: CInt
    private let core: NIOLoopBound<ListenerCore>
    private let closePromise: EventLoopPromise<Void>
    public var closeFuture: EventLoopFuture<Void> { closePromise.futureResult }

    fileprivate init(localAddress: SocketAddress, descriptor: CInt, core: ListenerCore, loop: SocketEventLoop,
                     closePromise: EventLoopPromise<Void>) {
        self.localAddress = localAddress
        self.descriptor = descriptor
        self.core = NIOLoopBound(core, eventLoop: loop)
        self.closePromise = closePromise
    }

    /// Stops accepting and closes the socket; connections already accepted stay.
    @discardableResult
    public func close() -> EventLoopFuture<Void> {
        let core = self.core
        core.eventLoop.execute { core.value.close() }
        return closeFuture
    }
}

/// The loop-side listener: accepts when the socket is readable.
final class ListenerCore: Selectable {
    private let fd: CInt
    private let selector: Selector
    private let initializer: @Sendable (SocketChannel) throws -> Void
    private let closePromise: EventLoopPromise<Void>
    private var open = true
    /// Accepts per readiness, so a flood of connections cannot starve the loop's clients.
    private static let acceptsPerReadiness = 64

    init(fd: CInt, selector: Selector, closePromise: EventLoopPromise<Void>,
         initializer: @escaping @Sendable (SocketChannel) throws -> Void) {
        self.fd = fd
        self.selector = selector
        self.closePromise = closePromise
        self.initializer = initializer
    }

    func ready(_ events: UInt32) {
        for _ in 0..<Self.acceptsPerReadiness {
            guard open else { return }
            let connection = cairn_accept_nonblocking(fd)
            if connection < 0 {
                let code = errno
                if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM {
                    pauseAccepting()
                }
                // EAGAIN: nothing left; ECONNABORTED and the like: that connection is gone.
                return
            }
            selector.adopt(fd: connection, initializer: initializer)
        }
    }

    /// Out of descriptors or memory: the connection waits in the backlog, and the socket
    /// stays readable, so watching it would spin the loop. Stop for 100 ms, then resume
    /// (clients closing meanwhile free descriptors).
    private func pauseAccepting() {
        selector.change(fd: fd, interest: 0)
        selector.loop.assumeIsolated().scheduleTask(in: .milliseconds(100)) { [self] in
            if open { selector.change(fd: fd, interest: UInt32(CAIRN_READABLE)) }
        }
    }

    func close() {
        guard open else { return }
        open = false
        selector.deregister(fd: fd)
        Glibc.close(fd)
        closePromise.succeed(())
    }

    func closeForShutdown() { close() }
}

extension Selector {
    /// Makes a channel of the connected socket `fd`, sets Redis's client options on it,
    /// runs `initializer` and starts it. Closes the socket if any of that fails.
    @discardableResult
    func adopt(fd: CInt, initializer: (SocketChannel) throws -> Void) -> SocketChannel? {
        var on: CInt = 1
        _ = setsockopt(fd, CInt(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<CInt>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, socklen_t(MemoryLayout<CInt>.size))
        let channel = SocketChannel(fd: fd, loop: loop, selector: self, allocator: ByteBufferAllocator())
        do {
            try initializer(channel)
            try channel.activate()
            return channel
        } catch {
            channel.discard(error)
            return nil
        }
    }

    /// Binds and listens on `address`; the socket is non-blocking, close-on-exec, with
    /// SO_REUSEADDR (a restart can bind while old connections linger in TIME_WAIT).
    func listen(on address: SocketAddress, backlog: CInt, closePromise: EventLoopPromise<Void>,
                initializer: @escaping @Sendable (SocketChannel) throws -> Void) throws -> SocketListener {
        let family: CInt
        switch address {
        case .v4: family = AF_INET
        case .v6: family = AF_INET6
        case .unixDomainSocket: family = AF_UNIX
        }
        let fd = socket(family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        do {
            var on: CInt = 1
            guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<CInt>.size)) == 0 else {
                throw IOError(errnoCode: errno, reason: "setsockopt")
            }
            let bound = address.withSockAddr { pointer, size in bind(fd, pointer, socklen_t(size)) }
            guard bound == 0 else { throw IOError(errnoCode: errno, reason: "bind") }
            guard Glibc.listen(fd, backlog) == 0 else { throw IOError(errnoCode: errno, reason: "listen") }
            let local = try SocketAddresses.local(of: fd)
            let core = ListenerCore(fd: fd, selector: self, closePromise: closePromise, initializer: initializer)
            try register(core, fd: fd, interest: UInt32(CAIRN_READABLE))
            return SocketListener(localAddress: local, descriptor: fd, core: core, loop: loop, closePromise: closePromise)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }
}

extension SocketEventLoop {
    /// Listens on `host:port` (`host` resolved; port 0 lets the kernel pick), each
    /// accepted connection given its handlers by `initializer` on the loop.
    public func listen(host: String, port: Int, backlog: CInt = 511,
                       initializer: @escaping @Sendable (SocketChannel) throws -> Void) -> EventLoopFuture<SocketListener> {
        let promise: EventLoopPromise<SocketListener> = makePromise()
        let closePromise: EventLoopPromise<Void> = makePromise()
        executeWithSelector { selector in
            do {
                let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
                promise.succeed(try selector.listen(on: address, backlog: backlog, closePromise: closePromise,
                                                    initializer: initializer))
            } catch {
                closePromise.succeed(())
                promise.fail(error)
            }
        }
        return promise.futureResult
    }

    /// Makes a channel of a socket accepted elsewhere (connected, non-blocking), as the
    /// listener would have; the future fails if it could not be set up.
    public func adopt(descriptor: CInt, initializer: @escaping @Sendable (SocketChannel) throws -> Void) -> EventLoopFuture<SocketChannel> {
        let promise: EventLoopPromise<SocketChannel> = makePromise()
        executeWithSelector { selector in
            if let channel = selector.adopt(fd: descriptor, initializer: initializer) {
                promise.succeed(channel)
            } else {
                promise.fail(ChannelError.ioOnClosedChannel)
            }
        }
        return promise.futureResult
    }

    /// Graceful shutdown's second step (after the listeners closed): every connection
    /// on the loop hears `ChannelShouldQuiesceEvent`; the future completes when the last
    /// one has closed.
    public func quiesceConnections() -> EventLoopFuture<Void> {
        let promise: EventLoopPromise<Void> = makePromise()
        executeWithSelector { selector in
            selector.whenNoConnections(promise)
            for case let core as SocketCore in selector.all {
                core.quiesce()
            }
        }
        return promise.futureResult
    }
}
