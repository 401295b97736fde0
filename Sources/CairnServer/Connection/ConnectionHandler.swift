import NIOCore
import Logging
import CairnProtocol
import CairnCommands

/// One client connection: the start and end of the write path
/// (**decoder** → command → keyspace → propagation → **reply**).
///
/// Every request in a read burst is decoded and executed at once, and their replies are
/// collected in one buffer that is written and flushed once when the burst ends, which
/// is what makes pipelining cheap. The handler lives on the engine's event loop.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let engine: Engine
    private let runtime: ServerRuntime
    private let flusher: ReplyFlusher
    /// Set while the handler is in a pipeline.
    private var context: ChannelHandlerContext?
    /// Whether the flusher already holds this handler for the current tick.
    private var flushQueued = false
    private var session: ClientSession?
    private var decoder = RequestDecoder()
    private var args = Arguments()
    /// Bytes received but not yet decoded.
    private var pending: ByteBuffer?
    /// Replies not yet written.
    private var replies: ReplyWriter
    /// Set once the connection must close after its replies are written.
    private var closing = false

    init(engine: Engine, runtime: ServerRuntime, flusher: ReplyFlusher, allocator: ByteBufferAllocator) {
        self.engine = engine
        self.runtime = runtime
        self.flusher = flusher
        self.replies = ReplyWriter(buffer: allocator.buffer(capacity: 4096))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        runtime.connectionsReceived += 1
        if engine.clients.count >= engine.settings.maxclients {
            runtime.rejectedConnections += 1
            replies.writeError("ERR max number of clients reached")
            closeAfterWriting(context)
            return
        }
        session = engine.connect(
            address: Self.describe(context.channel.remoteAddress),
            localAddress: Self.describe(context.channel.localAddress))
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let session { engine.disconnect(session) }
        session = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing, let session else { return }
        var incoming = unwrapInboundIn(data)
        runtime.inputBytes += incoming.readableBytes
        if pending == nil {
            pending = incoming
        } else {
            pending?.writeBuffer(&incoming)
        }
        guard var buffer = pending else { return }
        pending = nil
        decoder.maxBulkLength = engine.settings.protoMaxBulkLen
        while buffer.readableBytes > 0 {
            let complete: Bool
            do {
                complete = try decoder.decode(&buffer, into: &args)
            } catch {
                replies.writeError("ERR \(error)")
                runtime.logger.info("Closing client \(session.address): \(error)")
                closing = true
                break
            }
            guard complete else { break }
            if args.isEmpty { continue }
            engine.execute(args, client: session, into: &replies)
            if session.closeAfterReply { closing = true; break }
        }
        if closing {
            closeAfterWriting(context)
            return
        }
        let buffered = buffer.readableBytes + (decoder.isMidRequest ? args.byteCount : 0)
        if buffered > engine.settings.clientQueryBufferLimit {
            runtime.logger.warning("Closing client \(session.address) that reached max query buffer length (\(buffered) bytes)")
            closing = true
            closeAfterWriting(context)
            return
        }
        session.queryBufferLength = buffer.readableBytes
        if buffer.readableBytes > 0 {
            buffer.discardReadBytes()
            pending = buffer
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if replies.readableBytes > 0 && !flushQueued {
            flushQueued = true
            flusher.enqueue(self)
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Graceful shutdown: answer what was accepted, then close.
            closing = true
            closeAfterWriting(context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        runtime.logger.debug("Connection error: \(error)")
        context.close(promise: nil)
    }

    /// Writes the replies collected so far; called by the flusher at the end of a tick.
    func flushReplies() {
        flushQueued = false
        guard let context, !closing, replies.readableBytes > 0 else { return }
        runtime.outputBytes += replies.readableBytes
        context.writeAndFlush(wrapOutboundOut(replies.buffer), promise: nil)
        recycleReplyBuffer(context)
    }

    private func closeAfterWriting(_ context: ChannelHandlerContext) {
        let channel = context.channel
        if replies.readableBytes > 0 {
            runtime.outputBytes += replies.readableBytes
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(replies.buffer), promise: promise)
            recycleReplyBuffer(context)
            promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    /// Reuses the reply storage when the socket took the bytes at once (NIO then holds no
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

    static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "?:0" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
