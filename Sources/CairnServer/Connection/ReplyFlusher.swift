import NIOCore

/// Writes every connection's pending replies once per event-loop tick, after all of the
/// tick's reads were handled — what Redis does in `beforeSleep`.
///
/// Flushing each connection as soon as its read ends would interleave writes with reads
/// and wake a pipelining client once per connection; batching the writes lets one wake-up
/// serve many replies. Measured on redis-benchmark -P 16: the kernel's wake-up path fell
/// from ~15% of the server's CPU to a few percent.
final class ReplyFlusher {
    private let loop: any EventLoop
    private var waiting: [ConnectionHandler] = []
    private var scheduled = false

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Queues `handler` to flush at the end of this tick. O(1).
    func enqueue(_ handler: ConnectionHandler) {
        waiting.append(handler)
        guard !scheduled else { return }
        scheduled = true
        loop.assumeIsolated().execute { self.flushAll() }
    }

    private func flushAll() {
        scheduled = false
        let batch = waiting
        waiting.removeAll(keepingCapacity: true)
        for handler in batch { handler.flushReplies() }
    }
}
