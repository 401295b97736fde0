import NIOCore
import Logging
import CairnProtocol
import CairnCommands
import CairnLog
import CairnTransport

/// One client connection: the start and end of the write path
/// (**decoder** → command → keyspace → propagation → log → **reply**).
///
/// Every request in a read burst is decoded and executed at once; the replies collect in
/// one buffer that the `ReplyFlusher` writes at the end of the event-loop turn, after the
/// turn's log batch is committed. When the log says replies must wait (appendfsync
/// always), the buffer is held, in order, until the batch is durable.
final class ConnectionHandler: ChannelInboundHandler, SocketReadTarget, ClientOutlet {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    // The handler's state is internal, not private: its extensions in the files beside
    // this one share it (+Blocking, +Replies, +Limits, +Busy).
    let engine: Engine
    let runtime: ServerRuntime
    /// Adopted from the busy responder after an AUTH there: starts authenticated.
    let alreadyAuthenticated: Bool
    let flusher: ReplyFlusher
    /// Set while the handler is in a pipeline.
    var context: ChannelHandlerContext?
    /// Whether the flusher already holds this handler for the current turn.
    var flushQueued = false
    var session: ClientSession?
    var decoder = RequestDecoder()
    var args = Arguments()
    /// Bytes received but not yet decoded.
    var pending: ByteBuffer?
    /// Replies of the current turn, not yet written.
    var replies: ReplyWriter
    /// Replies of earlier turns waiting for the log, oldest first.
    var held: [(replies: ByteBuffer, barrier: LogWriter.Barrier)] = []
    /// Whether a command of this connection logged something since its last flush: only
    /// then must its replies wait for the log ("no reply to a write before it is durable");
    /// refusals and reads go out at once.
    var loggedSinceFlush = false
    /// No more input is read (QUIT, protocol error, shutdown).
    var closing = false
    /// Close once every reply (held or not) is written.
    var closeWhenFlushed = false
    /// Since when (Unix ms) the unsent replies have been over the soft output limit.
    var overSoftLimitSince: Int64?
    /// While the client is parked by a blocking command with a timeout: the timer that
    /// gives it its timeout reply.
    var blockTimer: Scheduled<Void>?

    /// Behind TLS: its socket carries ciphertext, so the busy responder leaves it alone
    /// (it is answered once the busy script ends), and replies always go through the pipeline.
    let isTLS: Bool
    /// Plain TCP only: replies are written straight to its socket when the channel holds
    /// none of ours (see `SocketChannel.writeDirectly`).
    var socket: SocketChannel?
    /// Reply buffers handed to the channel and not yet written by it: while any are, later
    /// replies queue behind them in the channel instead of being written directly.
    var writesInChannel = 0

    init(engine: Engine, runtime: ServerRuntime, flusher: ReplyFlusher, allocator: ByteBufferAllocator,
         alreadyAuthenticated: Bool = false, isTLS: Bool = false) {
        self.alreadyAuthenticated = alreadyAuthenticated
        self.isTLS = isTLS
        self.engine = engine
        self.runtime = runtime
        self.flusher = flusher
        self.replies = ReplyWriter(buffer: allocator.buffer(capacity: 4096))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        guard !isTLS else { return }
        // The only handler of a plain connection: its bytes come straight from the socket.
        // (Test channels are not sockets: everything goes through their pipelines.)
        socket = context.channel as? SocketChannel
        socket?.setReadTarget(self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        socket?.setReadTarget(nil)
        self.context = nil
        socket = nil
    }

    /// Whether a peer is this host's loopback interface (127.0.0.0/8 or ::1, IPv4-mapped
    /// included): what protected mode lets in.
    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    func channelActive(context: ChannelHandlerContext) {
        runtime.connectionsReceived += 1
        if engine.clients.count >= engine.settings.maxclients {
            runtime.rejectedConnections += 1
            replies.writeError("ERR max number of clients reached")
            closing = true
            writeNowAndClose(context)
            return
        }
        if Authentication.deniedByProtectedMode(engine, remoteIsLoopback: Self.isLoopback(context.channel.remoteAddress)) {
            runtime.rejectedConnections += 1
            replies.writeError(Authentication.protectedModeDenial)
            closing = true
            writeNowAndClose(context)
            return
        }
        let session = engine.connectFromNetwork(
            address: Self.describe(context.channel.remoteAddress),
            localAddress: Self.describe(context.channel.localAddress))
        if alreadyAuthenticated { session.authenticated = true }
        self.session = session
        session.outlet = self
        runtime.register(self, id: session.id)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelBlockTimer()
        if let session {
            runtime.unregister(id: session.id)
            engine.disconnect(session)
        }
        session = nil
        held.removeAll()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received(unwrapInboundIn(data))
    }

    /// A plain connection's bytes, straight from its socket (see `handlerAdded`).
    func socketDidRead(_ bytes: ByteBuffer) {
        received(bytes)
    }

    func socketDidFinishReading() {
        queueFlush()
    }

    private func received(_ bytes: ByteBuffer) {
        guard !closing, let session, let context else { return }
        var incoming = bytes
        runtime.inputBytes += incoming.readableBytes
        if pending == nil {
            pending = incoming
        } else {
            pending?.writeBuffer(&incoming)
        }
        if session.state.isBlocked {
            // Any read is activity for `timeout`, as in Redis.
            session.lastInteraction = engine.clock()
            // A parked client's requests wait, unread, until it is unblocked (as in Redis).
            enforceQueryBufferLimit(session, buffered: pending?.readableBytes ?? 0)
            return
        }
        let processed = engine.stats.commandsProcessed
        processPending(context, session)
        // Each command marks its client active as it starts (one clock read less per
        // request); a read that ran none (part of a request, a refusal) is activity too.
        if engine.stats.commandsProcessed == processed { session.lastInteraction = engine.clock() }
    }

    /// Decodes and runs the buffered requests, until they run out, the client is parked
    /// by a blocking command, or the connection is closing.
    func processPending(_ context: ChannelHandlerContext, _ session: ClientSession) {
        guard var buffer = pending else { return }
        pending = nil
        decoder.maxBulkLength = engine.settings.protoMaxBulkLen
        // One read can hold thousands of requests, each answering a large value: the hard
        // output limit is checked as replies are produced, not only when they are flushed.
        let hardLimit = engine.settings.clientOutputBufferLimits[session.clientClass].hard
        let unsentBefore = hardLimit > 0 ? unsentReplyBytes - replies.readableBytes : 0
        while buffer.readableBytes > 0 {
            let complete: Bool
            do {
                complete = try decoder.decode(&buffer, into: &args)
            } catch {
                replies.writeError("ERR \(error)")
                runtime.logger.info("Closing client \(session.address): \(error)")
                finishAfterReplies()
                break
            }
            guard complete else { break }
            if args.isEmpty { continue }
            let logged = engine.propagation.recordedBytes
            engine.execute(args, client: session, into: &replies)
            if engine.propagation.recordedBytes != logged { loggedSinceFlush = true }
            if case .closing = session.state { finishAfterReplies(); break }
            if case .blocked(let request) = session.state {
                startBlockTimer(context, deadline: request.deadline)
                break
            }
            if hardLimit > 0 && unsentBefore + replies.readableBytes >= hardLimit {
                enforceOutputLimit()
                break
            }
        }
        if closing { return }
        let buffered = buffer.readableBytes + (decoder.isMidRequest ? args.byteCount : 0)
        if enforceQueryBufferLimit(session, buffered: buffered) { return }
        session.queryBufferLength = buffer.readableBytes
        if buffer.readableBytes > 0 {
            buffer.discardReadBytes()
            pending = buffer
        }
    }

    /// Closes a client whose unprocessed input passed client-query-buffer-limit. Returns
    /// whether it did.
    @discardableResult
    private func enforceQueryBufferLimit(_ session: ClientSession, buffered: Int) -> Bool {
        guard buffered > engine.settings.clientQueryBufferLimit else { return false }
        runtime.logger.warning("Closing client \(session.address) that reached max query buffer length (\(buffered) bytes)")
        finishAfterReplies()
        return true
    }

    /// The last handler of the pipeline: the event is not passed on (nothing would see it).
    func channelReadComplete(context: ChannelHandlerContext) {
        queueFlush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Graceful shutdown: answer what was accepted (once the log allows), then close.
            finishAfterReplies()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        runtime.logger.debug("Connection error: \(error)")
        context.close(promise: nil)
    }

    static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "?:0" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
