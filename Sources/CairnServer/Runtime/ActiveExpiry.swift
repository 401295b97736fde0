import NIOCore
import CairnCommands

/// Reclaims expired keys that nobody reads: `hz` times a second, one active-expiry cycle
/// with a budget of a quarter of the period (Redis's slow cycle uses 25% CPU at most).
final class ActiveExpiry {
    private let engine: Engine
    private let loop: any EventLoop
    private var task: RepeatedTask?
    /// Called after a cycle that removed keys, so their DELs reach the log this turn.
    var afterRemovals: () -> Void = {}

    init(engine: Engine, loop: any EventLoop) {
        self.engine = engine
        self.loop = loop
    }

    /// (Re)starts the timer at `hz` cycles per second.
    func start(hz: Int) {
        task?.cancel()
        let period = max(1, 1000 / max(1, hz))
        let weak = LoopBoundWeak(self, eventLoop: loop)
        task = loop.scheduleRepeatedTask(initialDelay: .milliseconds(Int64(period)), delay: .milliseconds(Int64(period))) { _ in
            guard let expiry = weak.object else { return }
            let expired = expiry.engine.activeExpireCycle(budget: Int64(max(1, period / 4)))
            // Memory over `maxmemory` is brought back down between commands too.
            let evicted = expiry.engine.evictInBackground()
            if expired > 0 || evicted { expiry.afterRemovals() }
        }
    }

    func stop() {
        task?.cancel()
        task = nil
    }
}
