import NIOCore
import CairnProtocol
import CairnCommands
import CairnLog
import CairnTransport

// A client parked by a blocking command: its timeout, and what ends the block.
extension ConnectionHandler {
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

    func blockMayHaveEnded() {
        guard let context, let session, !session.state.isBlocked else { return }
        cancelBlockTimer()
        if pending != nil {
            context.eventLoop.assumeIsolated().execute { [weak self] in self?.resume() }
        }
    }

    /// Continues with the requests that arrived while the client was parked.
    func resume() {
        guard let context, let session, !closing, !session.state.isBlocked else { return }
        processPending(context, session)
        queueFlush()
    }

    func startBlockTimer(_ context: ChannelHandlerContext, deadline: Int64) {
        cancelBlockTimer()
        guard deadline != 0 else { return }
        let wait = max(0, deadline - engine.clock())
        blockTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(wait)) { [weak self] in
            self?.blockDeadlinePassed()
        }
    }

    func blockDeadlinePassed() {
        blockTimer = nil
        guard let context, let session, case .blocked(let request) = session.state else { return }
        if let reply = engine.timeOutBlockedClient(session.id, now: engine.clock()) {
            deliver(reply, waitsForLog: false)
        } else if session.state.isBlocked {
            // The clock has not reached the deadline yet (timers may fire a little early).
            startBlockTimer(context, deadline: request.deadline)
        }
    }

    func cancelBlockTimer() {
        blockTimer?.cancel()
        blockTimer = nil
    }
}
