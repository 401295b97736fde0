import NIOCore

/// Ends every event-loop turn the way Redis's `beforeSleep` does: commit the turn's log
/// batch, then write every connection's replies once — or hold them, if the log says they
/// must wait for an fsync.
///
/// Flushing each connection as soon as its read ends would interleave writes with reads
/// and wake a pipelining client once per connection; batching the writes lets one wake-up
/// serve many replies. Measured on redis-benchmark -P 16: the kernel's wake-up path fell
/// from ~15% of the server's CPU to a few percent.
///
/// Connections that sent requests this turn are written before those that only have
/// bytes other clients' commands made for them (messages, served pops, MONITOR lines), as
/// Redis's order of pending writes does: the clients waiting for answers send their next
/// requests while the server is still writing to listeners, so the next turn finds more
/// of them ready and every listener's write carries more messages. Writing listeners
/// first, a PUBLISH to 50 subscribers at `-P 1` put 1.3 messages' worth of wake-ups on
/// each subscriber per publish instead of 1.0 (docs/benchmarks.md, tenth session).
final class ReplyFlusher {
    private let loop: any EventLoop
    /// Connections with replies to their own requests, in the order they were queued.
    private var waiting: [ConnectionHandler] = []
    /// Connections with only pushed bytes, written after `waiting`.
    private var pushed: [ConnectionHandler] = []
    /// The lists being written, swapped with the two above each turn so that neither is
    /// copied or reallocated per turn.
    private var writingAnswered: [ConnectionHandler] = []
    private var writingPushed: [ConnectionHandler] = []
    private var scheduled = false
    /// The append-only file, when enabled.
    var persistence: Persistence?

    /// The engine's clock, read once per turn for every connection's write.
    private let clock: () -> Int64

    init(loop: any EventLoop, clock: @escaping () -> Int64) {
        self.loop = loop
        self.clock = clock
    }

    /// Queues `handler` to flush at the end of this turn; `pushed` when what it has so far
    /// was made by other clients' commands. O(1).
    func enqueue(_ handler: ConnectionHandler, pushed isPushed: Bool = false) {
        if isPushed { pushed.append(handler) } else { waiting.append(handler) }
        schedule()
    }

    /// Makes sure the turn ends with a commit even if no connection has replies (for
    /// effects logged by background work such as active expiry).
    func schedule() {
        guard !scheduled else { return }
        scheduled = true
        loop.assumeIsolated().execute { self.flushAll() }
    }

    private func flushAll() {
        scheduled = false
        let now = clock()
        let barrier = persistence?.commit(now: now)
        guard !waiting.isEmpty || !pushed.isEmpty else { return }
        // Taken before writing: a write can queue a connection again (for the next turn).
        swap(&waiting, &writingAnswered)
        swap(&pushed, &writingPushed)
        for handler in writingAnswered where handler.flushReplies(waitingFor: barrier, now: now) {
            persistence?.hold(handler)
        }
        for handler in writingPushed where handler.flushReplies(waitingFor: barrier, now: now) {
            persistence?.hold(handler)
        }
        writingAnswered.removeAll(keepingCapacity: true)
        writingPushed.removeAll(keepingCapacity: true)
    }
}
