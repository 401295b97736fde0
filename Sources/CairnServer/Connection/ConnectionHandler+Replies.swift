import NIOCore
import CairnProtocol
import CairnCommands
import CairnLog
import CairnTransport

// The end of the write path: replies queued for the turn's flush, written straight to
// the socket or through the channel, or held until the log makes them durable.
extension ConnectionHandler {
    /// Stop reading; close after every reply is written (through the log's barrier).
    func finishAfterReplies() {
        closing = true
        closeWhenFlushed = true
        queueFlush(force: true)
    }

    /// `pushed`: the bytes were made by another client's command (see ReplyFlusher).
    func queueFlush(force: Bool = false, pushed: Bool = false) {
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
            enforceOutputLimit()
            return !wasWaiting && !held.isEmpty
        }
        if replies.readableBytes > 0 {
            write(replies.buffer, context, now: now)
            recycleReplyBuffer(context)
        }
        if closeWhenFlushed { closeAfterPendingWrites(context) }
        enforceOutputLimit()
        return false
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
        enforceOutputLimit()
        return !held.isEmpty
    }

    /// The log can never make the held writes durable: close without acknowledging them.
    func abandonHeldReplies() {
        held.removeAll()
        closing = true
        context?.close(promise: nil)
    }

    /// Sends replies: straight to the socket when the channel holds none of this
    /// connection's bytes, the rest (or everything) through the channel.
    func write(_ buffer: ByteBuffer, _ context: ChannelHandlerContext, now: Int64? = nil) {
        runtime.outputBytes += buffer.readableBytes
        // Taking replies counts as activity for `timeout`, as in Redis.
        session?.lastInteraction = now ?? engine.clock()
        var rest = buffer
        if writesInChannel == 0, let socket {
            switch socket.writeDirectly(buffer) {
            case .complete: return
            case .partial(let written): rest.moveReaderIndex(forwardBy: written)
            case .failed: break
            }
        }
        handToChannel(rest, context)
    }

    /// Queues bytes in the channel, counting them until written (or failed) so that no
    /// later direct write overtakes them. The future completes when the channel is done
    /// with them.
    @discardableResult
    func handToChannel(_ buffer: ByteBuffer, _ context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        writesInChannel += 1
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolated().whenComplete { [weak self] _ in self?.writesInChannel -= 1 }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
        return promise.futureResult
    }

    func writeNowAndClose(_ context: ChannelHandlerContext) {
        write(replies.buffer, context)
        replies.buffer.clear()
        closeAfterPendingWrites(context)
    }

    /// Closes once the bytes already handed to the channel are on the wire.
    func closeAfterPendingWrites(_ context: ChannelHandlerContext) {
        let channel = context.channel
        handToChannel(channel.allocator.buffer(capacity: 0), context).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Reuses the reply storage when the socket took the bytes at once (the channel then holds no
    /// reference); after a large reply, starts small again so one big GET does not pin
    /// (or, while NIO still holds it, re-allocate) that much memory per connection.
    func recycleReplyBuffer(_ context: ChannelHandlerContext) {
        if replies.buffer.capacity > Self.retainedReplyCapacity {
            replies.buffer = context.channel.allocator.buffer(capacity: 4096)
        } else {
            replies.buffer.clear()
        }
    }

    static let retainedReplyCapacity = 64 * 1024
}
