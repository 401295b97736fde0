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

    private let engine: Engine
    private let runtime: ServerRuntime
    /// Adopted from the busy responder after an AUTH there: starts authenticated.
    private let alreadyAuthenticated: Bool
    private let flusher: ReplyFlusher
    /// Set while the handler is in a pipeline.
    private var context: ChannelHandlerContext?
    /// Whether the flusher already holds this handler for the current turn.
    private var flushQueued = false
    private var session: ClientSession?
    private var decoder = RequestDecoder()
    private var args = Arguments()
    /// Bytes received but not yet decoded.
    private var pending: ByteBuffer?
    /// Replies of the current turn, not yet written.
    private var replies: ReplyWriter
    /// Replies of earlier turns waiting for the log, oldest first.
    private var held: [(replies: ByteBuffer, barrier: LogWriter.Barrier)] = []
    /// Whether a command of this connection logged something since its last flush: only
    /// then must its replies wait for the log ("no reply to a write before it is durable");
    /// refusals and reads go out at once.
    private var loggedSinceFlush = false
    /// No more input is read (QUIT, protocol error, shutdown).
    private var closing = false
    /// Close once every reply (held or not) is written.
    private var closeWhenFlushed = false
    /// Since when (Unix ms) the unsent replies have been over the soft output limit.
    private var overSoftLimitSince: Int64?
    /// While the client is parked by a blocking command with a timeout: the timer that
    /// gives it its timeout reply.
    private var blockTimer: Scheduled<Void>?

    /// Behind TLS: its socket carries ciphertext, so the busy responder leaves it alone
    /// (it is answered once the busy script ends), and replies always go through the pipeline.
    private let isTLS: Bool
    /// Plain TCP only: replies are written straight to its socket when the channel holds
    /// none of ours (see `SocketChannel.writeDirectly`).
    private var socket: SocketChannel?
    /// Reply buffers handed to the channel and not yet written by it: while any are, later
    /// replies queue behind them in the channel instead of being written directly.
    private var writesInChannel = 0

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
        if context.channel.isActive { socket?.setReadTarget(nil) }
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
    private func processPending(_ context: ChannelHandlerContext, _ session: ClientSession) {
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
                enforceOutputLimit(context)
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

    // MARK: Blocking

    /// A reply made for this client outside its own read (it was served or unblocked, or
    /// a message was published to it): sent after the replies it has — after the log's
    /// fsync when `waitsForLog` and fsyncs do. If that ended a block, the requests it sent
    /// meanwhile are processed on the next tick, never inside the command of the client
    /// whose write served it.
    func deliver(_ reply: ByteBuffer, waitsForLog: Bool) {
        guard !closing else { return }
        replies.buffer.writeImmutableBuffer(reply)
        if waitsForLog { loggedSinceFlush = true }
        queueFlush(pushed: true)
        // The common case (a message to a subscriber) ends here: no block to end.
        if blockTimer != nil || pending != nil { blockMayHaveEnded() }
    }

    private func blockMayHaveEnded() {
        guard let context, let session, !session.state.isBlocked else { return }
        cancelBlockTimer()
        if pending != nil {
            context.eventLoop.assumeIsolated().execute { [weak self] in self?.resume() }
        }
    }

    /// Continues with the requests that arrived while the client was parked.
    private func resume() {
        guard let context, let session, !closing, !session.state.isBlocked else { return }
        processPending(context, session)
        queueFlush()
    }

    private func startBlockTimer(_ context: ChannelHandlerContext, deadline: Int64) {
        cancelBlockTimer()
        guard deadline != 0 else { return }
        let wait = max(0, deadline - engine.clock())
        blockTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(wait)) { [weak self] in
            self?.blockDeadlinePassed()
        }
    }

    private func blockDeadlinePassed() {
        blockTimer = nil
        guard let context, let session, case .blocked(let request) = session.state else { return }
        if let reply = engine.timeOutBlockedClient(session.id, now: engine.clock()) {
            deliver(reply, waitsForLog: false)
        } else if session.state.isBlocked {
            // The clock has not reached the deadline yet (timers may fire a little early).
            startBlockTimer(context, deadline: request.deadline)
        }
    }

    private func cancelBlockTimer() {
        blockTimer?.cancel()
        blockTimer = nil
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

    // MARK: Replies

    /// Stop reading; close after every reply is written (through the log's barrier).
    private func finishAfterReplies() {
        closing = true
        closeWhenFlushed = true
        queueFlush(force: true)
    }

    /// `pushed`: the bytes were made by another client's command (see ReplyFlusher).
    private func queueFlush(force: Bool = false, pushed: Bool = false) {
        guard !flushQueued, replies.readableBytes > 0 || force else { return }
        flushQueued = true
        flusher.enqueue(self, pushed: pushed)
    }

    /// Called by the flusher at the end of a turn, after the log batch was committed:
    /// writes the replies now, or holds them behind `barrier` (and behind earlier ones).
    /// Returns true when this handler now waits for the log.
    /// `now`: the clock read once for the whole turn.
    func flushReplies(waitingFor turnBarrier: LogWriter.Barrier?, now: Int64) -> Bool {
        flushQueued = false
        guard let context else { return false }
        let barrier = loggedSinceFlush ? turnBarrier : nil
        loggedSinceFlush = false
        if barrier != nil || !held.isEmpty {
            let wasWaiting = !held.isEmpty
            if replies.readableBytes > 0 || closeWhenFlushed {
                // A later reply never overtakes an earlier one.
                let after = barrier ?? held[held.count - 1].barrier
                held.append((replies.buffer, after))
                replies.buffer = context.channel.allocator.buffer(capacity: 4096)
            }
            enforceOutputLimit(context)
            return !wasWaiting && !held.isEmpty
        }
        if replies.readableBytes > 0 {
            let allTaken = write(replies.buffer, context, now: now)
            recycleReplyBuffer(context)
            if allTaken && !closeWhenFlushed {
                // Nothing of this connection is left unsent: no output limit can be reached
                // (the common case, spared the limit's lookups).
                overSoftLimitSince = nil
                return false
            }
        }
        if closeWhenFlushed { closeAfterPendingWrites(context) }
        enforceOutputLimit(context)
        return false
    }

    // MARK: Limits

    var descriptor: Int32 { socket?.descriptor ?? -1 }

    /// Replies produced and not yet taken by the socket: what NIO still buffers, what
    /// waits for the log, and this turn's. O(held batches).
    var unsentReplyBytes: Int { queuedReplyBytes + replies.readableBytes }

    /// Replies of earlier turns not yet taken by the socket: what NIO still buffers and
    /// what waits for the log. Safe to ask while a command of this connection runs (it
    /// does not read the replies being written). O(held batches).
    var queuedReplyBytes: Int {
        let buffered = (try? context?.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        return buffered + held.reduce(0) { $0 + $1.replies.readableBytes }
    }

    /// Redis's `client-output-buffer-limit` for this client's class: over the hard limit,
    /// or over the soft limit for longer than its seconds, the client is closed and its
    /// unsent replies dropped, so a client that never reads cannot grow the server.
    /// Checked after every flush and once a second by `ClientsCron`. O(held batches).
    func enforceOutputLimit(_ context: ChannelHandlerContext? = nil) {
        guard !closing || closeWhenFlushed, let session else { return }
        let limit = engine.settings.clientOutputBufferLimits[session.clientClass]
        guard limit.hard > 0 || limit.soft > 0 else { overSoftLimitSince = nil; return }
        // The common case, cheaply: a writable channel holds less than NIO's high-water
        // mark, so with little of our own unsent, no limit can be reached.
        let lowest = min(limit.hard > 0 ? limit.hard : .max, limit.soft > 0 ? limit.soft : .max)
        if let channel = self.context?.channel, channel.isWritable,
           replies.readableBytes + Self.writableBufferBound < lowest, held.isEmpty {
            overSoftLimitSince = nil
            return
        }
        let unsent = unsentReplyBytes
        var exceeded = limit.hard > 0 && unsent >= limit.hard
        if limit.soft > 0 && unsent >= limit.soft {
            let now = engine.clock()
            let since = overSoftLimitSince ?? now
            overSoftLimitSince = since
            if now - since > Int64(limit.softSeconds) * 1000 { exceeded = true }
        } else {
            overSoftLimitSince = nil
        }
        guard exceeded else { return }
        runtime.logger.warning("Client id=\(session.id) addr=\(session.address) closed for overcoming of output buffer limits (\(unsent) bytes unsent).")
        runtime.unregister(id: session.id)
        kill()
    }

    /// What NIO may buffer while a channel still reports writable: its default write
    /// buffer high-water mark.
    static let writableBufferBound = 64 * 1024

    /// Redis's `timeout`: whether this client has sent nothing and taken no reply for
    /// longer than `seconds`.
    func isIdle(now: Int64, seconds: Int) -> Bool {
        guard let session, !closing else { return false }
        return now - session.lastInteraction > Int64(seconds) * 1000
    }

    /// Closes an idle client (its replies were all written, or it would not be idle).
    func closeIdle() {
        guard let session else { return }
        runtime.logger.info("Closing idle client id=\(session.id) addr=\(session.address)")
        runtime.unregister(id: session.id)
        kill()
    }

    /// Writes the held replies the log now allows, in order. Returns true while some wait.
    func releaseHeldReplies(_ writer: LogWriter) -> Bool {
        guard let context else {
            held.removeAll()
            return false
        }
        var released = 0
        for item in held {
            guard writer.isReleased(item.barrier) else { break }
            if item.replies.readableBytes > 0 { write(item.replies, context) }
            released += 1
        }
        held.removeFirst(released)
        if held.isEmpty && closeWhenFlushed { closeAfterPendingWrites(context) }
        enforceOutputLimit(context)
        return !held.isEmpty
    }

    /// The log can never make the held writes durable: close without acknowledging them.
    func abandonHeldReplies() {
        held.removeAll()
        closing = true
        context?.close(promise: nil)
    }

    /// CLIENT KILL from another connection: gone from the engine at once (a CLIENT LIST
    /// in the same turn no longer shows it), closed now, unwritten replies dropped.
    func kill() {
        cancelBlockTimer()
        if let session { engine.disconnect(session) }
        session = nil
        replies.buffer.clear()
        abandonHeldReplies()
    }

    /// Sends replies: straight to the socket when the channel holds none of this
    /// connection's bytes, the rest (or everything) through the channel. Returns whether
    /// the socket took them all at once.
    @discardableResult
    private func write(_ buffer: ByteBuffer, _ context: ChannelHandlerContext, now: Int64? = nil) -> Bool {
        runtime.outputBytes += buffer.readableBytes
        // Taking replies counts as activity for `timeout`, as in Redis.
        session?.lastInteraction = now ?? engine.clock()
        var rest = buffer
        if writesInChannel == 0, let socket {
            switch socket.writeDirectly(buffer) {
            case .complete: return true
            case .partial(let written): rest.moveReaderIndex(forwardBy: written)
            case .failed: break
            }
        }
        handToChannel(rest, context)
        return false
    }

    /// Queues bytes in the channel, counting them until written (or failed) so that no
    /// later direct write overtakes them. The future completes when the channel is done
    /// with them.
    @discardableResult
    private func handToChannel(_ buffer: ByteBuffer, _ context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        writesInChannel += 1
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolated().whenComplete { [weak self] _ in self?.writesInChannel -= 1 }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
        return promise.futureResult
    }

    private func writeNowAndClose(_ context: ChannelHandlerContext) {
        write(replies.buffer, context)
        replies.buffer.clear()
        closeAfterPendingWrites(context)
    }

    /// Closes once the bytes already handed to the channel are on the wire.
    private func closeAfterPendingWrites(_ context: ChannelHandlerContext) {
        let channel = context.channel
        handToChannel(channel.allocator.buffer(capacity: 0), context).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Reuses the reply storage when the socket took the bytes at once (the channel then holds no
    /// reference); after a large reply, starts small again so one big GET does not pin
    /// (or, while NIO still holds it, re-allocate) that much memory per connection.
    private func recycleReplyBuffer(_ context: ChannelHandlerContext) {
        if replies.buffer.capacity > Self.retainedReplyCapacity {
            replies.buffer = context.channel.allocator.buffer(capacity: 4096)
        } else {
            replies.buffer.clear()
        }
    }

    static let retainedReplyCapacity = 64 * 1024

    // MARK: While a script is busy (see BusyResponder)

    /// This connection's client id, while it has one.
    var clientID: Int64? { session?.id }

    /// Reads what the client sent straight from its socket and answers each complete
    /// request through `Engine.answerWhileBusy`, writing straight to the socket. Only when
    /// none of this connection's earlier replies wait to be written, so answers keep
    /// their order; what the socket does not take joins the replies flushed after the
    /// script. On the loop, inside the script's hook.
    func serveWhileBusy(fd: CInt) {
        guard !closing, let session, let context, !session.state.isBlocked,
              replies.readableBytes == 0, held.isEmpty, !flushQueued else { return }
        let buffered = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        guard buffered == 0 else { return }
        var input = pending ?? context.channel.allocator.buffer(capacity: 0)
        pending = nil
        let before = input.readableBytes
        let state = BusyResponder.receive(fd, into: &input)
        runtime.inputBytes += input.readableBytes - before
        var out = ReplyWriter(buffer: context.channel.allocator.buffer(capacity: 256))
        while input.readableBytes > 0 && out.buffer.readableBytes < 1 << 20 {
            guard (try? decoder.decode(&input, into: &args)) == true else { break }
            if args.isEmpty { continue }
            engine.answerWhileBusy(args, client: session, into: &out)
            if case .closing = session.state { break }
        }
        if input.readableBytes > 0 {
            input.discardReadBytes()
            pending = input
        }
        runtime.outputBytes += out.buffer.readableBytes
        let unsent = BusyResponder.send(fd, out.buffer)
        runtime.outputBytes -= unsent.readableBytes
        if unsent.readableBytes > 0 {
            var rest = unsent
            replies.buffer.writeBuffer(&rest)
            queueFlush()
        }
        if case .closed = state { closing = true }
        if case .closing = session.state { finishAfterReplies() }
    }

    static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "?:0" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
