import NIOCore
import CairnProtocol
import CairnCommands
import CairnLog
import CairnTransport

// Redis's limits on a client: output buffer, idle timeout, and being killed.
extension ConnectionHandler {
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
    func enforceOutputLimit() {
        guard !closing || closeWhenFlushed else { return }
        // Nothing unsent (every flush the socket took whole ends here): no limit can be
        // reached, and the limits, the client's class and the channel's state are not read.
        if writesInChannel == 0, held.isEmpty, replies.readableBytes == 0 {
            overSoftLimitSince = nil
            return
        }
        guard let session else { return }
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

    /// CLIENT KILL from another connection: gone from the engine at once (a CLIENT LIST
    /// in the same turn no longer shows it), closed now, unwritten replies dropped.
    func kill() {
        cancelBlockTimer()
        if let session { engine.disconnect(session) }
        session = nil
        replies.buffer.clear()
        abandonHeldReplies()
    }
}
