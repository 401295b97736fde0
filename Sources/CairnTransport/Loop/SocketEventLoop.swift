public import Dispatch
public import NIOCore
import NIOConcurrencyHelpers
import CCairnShims
#if canImport(Glibc)
import Glibc
#endif

/// Cairn's event loop: one thread, one epoll instance holding every connection's and
/// listener's socket, and the tasks and timers other code schedules on it.
///
/// It exists for speed. Measured at redis-benchmark `-P 1` (docs/benchmarks.md), the
/// path SwiftNIO's own loop takes from epoll to a handler and back cost Cairn about
/// 1.5 µs of CPU per request, more than Redis's whole networking; this loop does the
/// same job — wait, read into a buffer, hand it to the pipeline, write — with nothing
/// between. It is a SwiftNIO `EventLoop` and its connections are SwiftNIO `Channel`s
/// (`SocketChannel`), so futures, promises, `NIOLoopBound`, scheduled tasks and channel
/// handlers (NIOSSL's TLS handler included) run on it unchanged.
///
/// A turn: run every queued task and every timer that is due (tasks queued meanwhile
/// included, as SwiftNIO's loop does), then wait for sockets — not at all if tasks are
/// queued, until the next timer otherwise — and handle each ready one. Other threads
/// queue tasks under a lock and wake the wait through an eventfd.
public final class SocketEventLoop: EventLoop {
    /// A queued task; some need the loop's registrations, which only its thread holds.
    enum Job {
        case plain(@Sendable () -> Void)
        case withSelector(@Sendable (Selector) -> Void)
    }

    enum Lifecycle {
        case running
        /// Stopping at the end of this turn; then the callbacks run on their queues.
        case stopping([(DispatchQueue, @Sendable ((any Error)?) -> Void)])
        case stopped
    }

    /// What other threads share with the loop.
    struct Shared {
        var jobs: [Job] = []
        var timers = TimerQueue()
        /// An eventfd write the loop has not consumed yet: no need for another.
        var wakePending = false
        var lifecycle = Lifecycle.running
    }

    private let epoll: CInt
    private let wakeFD: CInt
    private let shared = NIOLockedValueBox(Shared())

    /// Starts the loop's thread, named `name` (as `top -H` and `perf` show it).
    public init(name: String) throws {
        let epoll = cairn_epoll_create()
        guard epoll >= 0 else { throw IOError(errnoCode: errno, reason: "epoll_create1") }
        let wakeFD = cairn_eventfd()
        guard wakeFD >= 0 else {
            let code = errno
            Glibc.close(epoll)
            throw IOError(errnoCode: code, reason: "eventfd")
        }
        guard cairn_epoll_control(epoll, 0, wakeFD, UInt32(CAIRN_READABLE)) == 0 else {
            let code = errno
            Glibc.close(epoll)
            Glibc.close(wakeFD)
            throw IOError(errnoCode: code, reason: "epoll_ctl")
        }
        self.epoll = epoll
        self.wakeFD = wakeFD
        try LoopThread.start(name: name) { [self] in self.run() }
    }

    // MARK: EventLoop

    /// Whether the caller runs on this loop's thread. O(1): one thread-specific read.
    public var inEventLoop: Bool {
        pthread_getspecific(currentLoopKey) == Unmanaged.passUnretained(self).toOpaque()
    }

    public func execute(_ task: @escaping @Sendable () -> Void) {
        enqueue(.plain(task))
    }

    /// Runs `body` on the loop with its registrations (to add a listener or a socket).
    func executeWithSelector(_ body: @escaping @Sendable (Selector) -> Void) {
        enqueue(.withSelector(body))
    }

    @discardableResult
    public func scheduleTask<T>(deadline: NIODeadline, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        let promise: EventLoopPromise<T> = makePromise()
        let timer = TimerQueue.Task(
            run: {
                // Timers run on the loop, where a value need not be Sendable to complete a promise.
                do { promise.assumeIsolated().succeed(try task()) } catch { promise.fail(error) }
            },
            abandon: { promise.fail(EventLoopError.shutdown) })
        let id: UInt64? = shared.withLockedValue { shared in
            guard case .running = shared.lifecycle else { return nil }
            return shared.timers.schedule(at: deadline.uptimeNanoseconds, timer)
        }
        guard let id else {
            promise.fail(EventLoopError.shutdown)
            return Scheduled(promise: promise, cancellationTask: {})
        }
        // The loop computes its wait from the earliest timer before it sleeps; a timer
        // scheduled from elsewhere may be earlier than the one it is sleeping towards.
        if !inEventLoop { wake() }
        return Scheduled(promise: promise, cancellationTask: { [self] in
            if shared.withLockedValue({ $0.timers.cancel(id) }) { promise.fail(EventLoopError.cancelled) }
        })
    }

    @discardableResult
    public func scheduleTask<T>(in delay: TimeAmount, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        scheduleTask(deadline: .now() + delay, task)
    }

    /// Stops the loop at the end of its turn: every socket still on it is closed (their
    /// channels' close futures complete), queued tasks run, timers that have not fired
    /// fail with `EventLoopError.shutdown`; then `callback` runs on `queue`.
    public func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        let alreadyStopped: Bool = shared.withLockedValue { shared in
            switch shared.lifecycle {
            case .running:
                shared.lifecycle = .stopping([(queue, callback)])
                return false
            case .stopping(var callbacks):
                callbacks.append((queue, callback))
                shared.lifecycle = .stopping(callbacks)
                return false
            case .stopped:
                return true
            }
        }
        if alreadyStopped {
            queue.async { callback(EventLoopError.shutdown) }
        } else {
            wake()
        }
    }

    // MARK: The loop

    private func enqueue(_ job: Job) {
        let accepted: Bool = shared.withLockedValue { shared in
            if case .stopped = shared.lifecycle { return false }
            shared.jobs.append(job)
            return true
        }
        // On the loop's own thread the turn drains the queue before it waits.
        if accepted && !inEventLoop { wake() }
    }

    /// Makes the loop's wait return (once per outstanding wake-up). O(1). The write
    /// happens under the lock, where the loop closes the eventfd when it stops, so it
    /// never reaches a closed (or reused) descriptor.
    private func wake() {
        shared.withLockedValue { shared in
            if case .stopped = shared.lifecycle { return }
            if shared.wakePending { return }
            shared.wakePending = true
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, MemoryLayout<UInt64>.size)
        }
    }

    private func run() {
        pthread_setspecific(currentLoopKey, Unmanaged.passUnretained(self).toOpaque())
        let selector = Selector(epoll: epoll, loop: self)
        var fds = [CInt](repeating: 0, count: 256)
        var events = [UInt32](repeating: 0, count: 256)
        var jobs: [Job] = []
        var due: [@Sendable () -> Void] = []
        while true {
            let (wait, stopping) = runQueued(selector: selector, jobs: &jobs, due: &due)
            if stopping { break }
            let ready = fds.withUnsafeMutableBufferPointer { fds in
                events.withUnsafeMutableBufferPointer { events in
                    cairn_epoll_wait(epoll, fds.baseAddress, events.baseAddress, CInt(fds.count), wait)
                }
            }
            guard ready > 0 else { continue }  // a timeout, or EINTR: the next turn sorts it out
            for i in 0..<Int(ready) {
                if fds[i] == wakeFD {
                    var count: UInt64 = 0
                    _ = Glibc.read(wakeFD, &count, MemoryLayout<UInt64>.size)
                    shared.withLockedValue { $0.wakePending = false }
                } else {
                    selector.ready(fd: fds[i], events: events[i])
                }
            }
        }
        stop(selector: selector, jobs: &jobs, due: &due)
    }

    /// Runs queued tasks and due timers until none are left. Returns how long the wait
    /// may block (ms, -1 without limit) and whether the loop is stopping.
    private func runQueued(selector: Selector, jobs: inout [Job], due: inout [@Sendable () -> Void]) -> (CInt, Bool) {
        while true {
            let now = NIODeadline.now().uptimeNanoseconds
            let (next, stopping): (UInt64?, Bool) = shared.withLockedValue { shared in
                swap(&jobs, &shared.jobs)
                shared.timers.takeDue(now: now, into: &due)
                if case .stopping = shared.lifecycle { return (nil, true) }
                // The wait's deadline matters only once nothing is left to run.
                guard jobs.isEmpty && due.isEmpty else { return (nil, false) }
                return (shared.timers.earliestDeadline(), false)
            }
            if jobs.isEmpty && due.isEmpty {
                if stopping { return (0, true) }
                guard let next else { return (-1, false) }
                let nanoseconds = next > now ? next - now : 0
                // Rounded up: waking a little late beats waking early and spinning.
                let milliseconds = nanoseconds / 1_000_000 + (nanoseconds % 1_000_000 == 0 ? 0 : 1)
                return (CInt(clamping: milliseconds), false)
            }
            if !jobs.isEmpty { run(&jobs, selector: selector) }
            if !due.isEmpty {
                for task in due { task() }
                due.removeAll(keepingCapacity: true)
            }
        }
    }

    private func stop(selector: Selector, jobs: inout [Job], due: inout [@Sendable () -> Void]) {
        selector.closeAll()
        // What closing queued (handlers removed, close futures completed) runs now.
        runQueuedWhileStopping(selector: selector, jobs: &jobs)
        for abandon in shared.withLockedValue({ $0.timers.removeAll() }) { abandon() }
        runQueuedWhileStopping(selector: selector, jobs: &jobs)
        // From here nothing is accepted; the callbacks are taken in the same step, so a
        // shutdown asked for meanwhile is answered too.
        let callbacks = shared.withLockedValue { shared -> [(DispatchQueue, @Sendable ((any Error)?) -> Void)] in
            defer {
                shared.lifecycle = .stopped
                Glibc.close(wakeFD)
            }
            guard case .stopping(let callbacks) = shared.lifecycle else { return [] }
            return callbacks
        }
        runQueuedWhileStopping(selector: selector, jobs: &jobs)
        Glibc.close(epoll)
        pthread_setspecific(currentLoopKey, nil)
        for (queue, callback) in callbacks { queue.async { callback(nil) } }
    }

    private func runQueuedWhileStopping(selector: Selector, jobs: inout [Job]) {
        while true {
            shared.withLockedValue { swap(&jobs, &$0.jobs) }
            if jobs.isEmpty { return }
            run(&jobs, selector: selector)
        }
    }

    /// Runs `jobs` in order and empties the list, keeping its capacity for the next turn.
    private func run(_ jobs: inout [Job], selector: Selector) {
        for job in jobs {
            switch job {
            case .plain(let task): task()
            case .withSelector(let task): task(selector)
            }
        }
        jobs.removeAll(keepingCapacity: true)
    }
}

/// Which loop the current thread runs (`SocketEventLoop.inEventLoop`).
private let currentLoopKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// Starts a detached thread for a loop.
private enum LoopThread {
    final class Body {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }

    static func start(name: String, _ run: @escaping @Sendable () -> Void) throws {
        let body = Unmanaged.passRetained(Body(name: name, run: run)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let body = Unmanaged<Body>.fromOpaque(argument).takeRetainedValue()
            // Linux limits thread names to 15 bytes.
            cairn_set_thread_name(body.name)
            body.run()
            return nil
        }, body)
        guard created == 0 else {
            Unmanaged<Body>.fromOpaque(body).release()
            throw IOError(errnoCode: created, reason: "pthread_create")
        }
        pthread_detach(thread)
    }
}
