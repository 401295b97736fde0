import NIOCore
import CairnCommands

/// Once a second, the checks Redis's `clientsCron` makes on every client: close those idle
/// longer than `timeout`, and those that stayed over the soft output limit for its
/// seconds without producing more replies (more replies are checked as they are flushed).
final class ClientsCron {
    private let engine: Engine
    private let runtime: ServerRuntime
    private let loop: any EventLoop
    private var task: RepeatedTask?

    init(engine: Engine, runtime: ServerRuntime, loop: any EventLoop) {
        self.engine = engine
        self.runtime = runtime
        self.loop = loop
    }

    func start() {
        task?.cancel()
        let weak = LoopBoundWeak(self, eventLoop: loop)
        task = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            weak.object?.run()
        }
    }

    func stop() {
        task?.cancel()
        task = nil
    }

    /// One pass over every client. O(clients).
    func run() {
        let timeout = engine.settings.timeout
        let now = engine.clock()
        for handler in Array(runtime.openConnections) {
            if timeout > 0 && handler.isIdle(now: now, seconds: timeout) {
                handler.closeIdle()
            } else {
                handler.enforceOutputLimit()
            }
        }
    }
}
