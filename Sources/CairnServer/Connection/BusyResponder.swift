#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import CairnProtocol
import CairnCommands
import CCairnShims

/// Keeps the server answering while a script runs past `busy-reply-threshold`.
///
/// The script runs on the event loop, so the loop reads nothing until it ends. Redis in
/// this state keeps reading its clients from inside the script (`processEventsWhileBlocked`)
/// and answers -BUSY, except SCRIPT KILL, FUNCTION KILL, FUNCTION STATS, SHUTDOWN and
/// commands that only touch the client's own state. Cairn does the same from the
/// script's hook: it takes the connections' and listeners' sockets from their channels
/// (`SocketChannel.descriptor`) once per busy script, reads what clients
/// sent straight from the sockets, answers through
/// `Engine.answerWhileBusy`, and writes the answers straight back. A connection whose
/// earlier replies are not all written yet is left alone (answers must stay in order).
/// New connections are accepted too (a `redis-cli SCRIPT KILL` is one) and handed to
/// the event loop when the script ends, with whatever they sent that was not answered yet.
final class BusyResponder {
    /// A connection accepted while the loop was inside a script.
    private struct Newcomer {
        let fd: CInt
        let session: ClientSession
        var decoder = RequestDecoder()
        var args = Arguments()
        var input: ByteBuffer
        /// Answers the socket has not taken yet.
        var output = ByteBufferAllocator().buffer(capacity: 0)
        var closed = false
    }

    private let engine: Engine
    private let runtime: ServerRuntime
    /// Hands an accepted socket (its unread input, and whether it authenticated while
    /// waiting) to the event loop once it is free.
    var adopt: (CInt, ByteBuffer, Bool) -> Void = { fd, _, _ in close(fd) }
    /// Client id → socket, found at the first call of a busy script.
    private var sockets: [Int64: CInt]?
    private var listeners: [CInt] = []
    private var newcomers: [Newcomer] = []

    init(engine: Engine, runtime: ServerRuntime) {
        self.engine = engine
        self.runtime = runtime
    }

    /// One pass over every client, from the script's hook. O(clients + bytes read).
    func serve() {
        let caller = engine.scriptCaller
        if sockets == nil { discoverSockets() }
        acceptNewcomers()
        for handler in Array(runtime.openConnections) {
            guard let id = handler.clientID, id != caller?.id, let fd = sockets?[id] else { continue }
            handler.serveWhileBusy(fd: fd)
        }
        for i in newcomers.indices where !newcomers[i].closed { serveNewcomer(&newcomers[i]) }
    }

    /// The script ended: accepted connections go to the event loop; descriptors are looked up
    /// afresh next time.
    func scriptEnded() {
        sockets = nil
        listeners = []
        let arrived = newcomers
        newcomers = []
        for newcomer in arrived {
            engine.disconnect(newcomer.session)
            // Its answers go out before the event loop takes over (a second at most).
            if !newcomer.closed, Self.sendWaiting(newcomer.fd, newcomer.output, milliseconds: 1000) {
                adopt(newcomer.fd, newcomer.input, newcomer.session.authenticated)
            } else {
                close(newcomer.fd)
            }
        }
    }

    /// The plain TCP connections' sockets, and the listeners'. O(connections).
    private func discoverSockets() {
        var found: [Int64: CInt] = [:]
        for handler in runtime.openConnections {
            if let id = handler.clientID, case let fd = handler.descriptor, fd >= 0 { found[id] = fd }
        }
        sockets = found
        listeners = runtime.listenerDescriptors
    }

    private func acceptNewcomers() {
        for listener in listeners {
            while true {
                let fd = cairn_accept_nonblocking(listener)
                guard fd >= 0 else { break }
                runtime.connectionsReceived += 1
                let session = engine.connectFromNetwork(address: "busy:\(fd)", localAddress: "")
                newcomers.append(Newcomer(fd: fd, session: session, input: ByteBufferAllocator().buffer(capacity: 256)))
            }
        }
    }

    private func serveNewcomer(_ newcomer: inout Newcomer) {
        switch Self.receive(newcomer.fd, into: &newcomer.input) {
        case .closed:
            newcomer.closed = true
            return
        case .open: break
        }
        var out = ReplyWriter(buffer: newcomer.output)
        newcomer.output = ByteBufferAllocator().buffer(capacity: 0)
        // A client that does not read its answers is not read either.
        while newcomer.input.readableBytes > 0 && out.buffer.readableBytes < 1 << 20 {
            guard (try? newcomer.decoder.decode(&newcomer.input, into: &newcomer.args)) == true else { break }
            if newcomer.args.isEmpty { continue }
            engine.answerWhileBusy(newcomer.args, client: newcomer.session, into: &out)
        }
        newcomer.input.discardReadBytes()
        newcomer.output = Self.send(newcomer.fd, out.buffer)
    }

    /// Sends all of `bytes`, waiting up to `milliseconds` for the socket; false if it
    /// could not.
    static func sendWaiting(_ fd: CInt, _ bytes: ByteBuffer, milliseconds: Int32) -> Bool {
        var rest = send(fd, bytes)
        var waited: Int32 = 0
        while rest.readableBytes > 0 && waited < milliseconds {
            var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&ready, 1, 50)
            waited += 50
            rest = send(fd, rest)
        }
        return rest.readableBytes == 0
    }

    enum ReceiveResult {
        case open
        case closed
    }

    /// Reads what is there without waiting (up to 1 MB pending). O(bytes).
    static func receive(_ fd: CInt, into buffer: inout ByteBuffer) -> ReceiveResult {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while buffer.readableBytes < 1 << 20 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, CInt(MSG_DONTWAIT)) }
            if n > 0 {
                buffer.writeBytes(chunk[0..<n])
                if n < chunk.count { return .open }
            } else if n == 0 {
                return .closed
            } else {
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .open : .closed
            }
        }
        return .open
    }

    /// Writes without waiting; returns what the socket did not take.
    static func send(_ fd: CInt, _ bytes: ByteBuffer) -> ByteBuffer {
        var rest = bytes
        while rest.readableBytes > 0 {
            let n = rest.withUnsafeReadableBytes { Glibc.send(fd, $0.baseAddress, $0.count, CInt(MSG_DONTWAIT | MSG_NOSIGNAL)) }
            guard n > 0 else { break }
            rest.moveReaderIndex(forwardBy: n)
        }
        return rest
    }
}
