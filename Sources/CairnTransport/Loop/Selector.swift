import NIOCore
import CCairnShims
#if canImport(Glibc)
import Glibc
#endif

/// Something on the loop with a socket: a listener or a connection.
protocol Selectable: AnyObject {
    /// The socket is ready (`CAIRN_READABLE`, `CAIRN_WRITABLE`, `CAIRN_ERROR`, `CAIRN_HANGUP` bits).
    func ready(_ events: UInt32)
    /// The loop is stopping: close now.
    func closeForShutdown()
}

/// A loop's registrations: which object handles each descriptor. Only the loop's thread
/// has one (`SocketEventLoop.run` makes it), so it needs no lock.
final class Selector {
    let epoll: CInt
    unowned let loop: SocketEventLoop
    /// Indexed by descriptor: descriptors are small integers the kernel reuses.
    private var handlers: [(any Selectable)?] = []
    private(set) var registered = 0
    /// Open connections (listeners aside), and who waits for there to be none.
    private(set) var connections = 0
    private var connectionsGone: [EventLoopPromise<Void>] = []

    init(epoll: CInt, loop: SocketEventLoop) {
        self.epoll = epoll
        self.loop = loop
    }

    /// Starts watching `fd` for `interest`, handled by `handler`. O(1) amortised.
    func register(_ handler: any Selectable, fd: CInt, interest: UInt32) throws {
        guard fd >= 0 else { throw IOError(errnoCode: EBADF, reason: "epoll_ctl") }
        guard cairn_epoll_control(epoll, 0, fd, interest) == 0 else { throw IOError(errnoCode: errno, reason: "epoll_ctl") }
        if handlers.count <= Int(fd) { handlers += repeatElement(nil, count: Int(fd) + 1 - handlers.count) }
        handlers[Int(fd)] = handler
        registered += 1
        if handler is SocketCore { connections += 1 }
    }

    /// Changes what `fd` is watched for. O(1).
    func change(fd: CInt, interest: UInt32) {
        _ = cairn_epoll_control(epoll, 1, fd, interest)
    }

    /// Stops watching `fd` (before it is closed, so a reused number starts clean). O(1).
    func deregister(fd: CInt) {
        guard fd >= 0, Int(fd) < handlers.count, handlers[Int(fd)] != nil else { return }
        _ = cairn_epoll_control(epoll, 2, fd, 0)
        let wasConnection = handlers[Int(fd)] is SocketCore
        handlers[Int(fd)] = nil
        registered -= 1
        if wasConnection {
            connections -= 1
            if connections == 0 {
                let waiting = connectionsGone
                connectionsGone = []
                for promise in waiting { promise.succeed(()) }
            }
        }
    }

    /// Completes `promise` once no connection is open (now, if none is). O(1).
    func whenNoConnections(_ promise: EventLoopPromise<Void>) {
        if connections == 0 { promise.succeed(()) } else { connectionsGone.append(promise) }
    }

    func ready(fd: CInt, events: UInt32) {
        guard fd >= 0, Int(fd) < handlers.count, let handler = handlers[Int(fd)] else { return }
        handler.ready(events)
    }

    /// Every registered object, in descriptor order. O(descriptors).
    var all: [any Selectable] { handlers.compactMap { $0 } }

    /// Closes everything still registered (the loop is stopping). O(descriptors).
    func closeAll() {
        for handler in all { handler.closeForShutdown() }
    }
}
