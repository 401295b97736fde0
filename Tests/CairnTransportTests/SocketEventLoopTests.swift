import Testing
import NIOCore
import NIOConcurrencyHelpers
@testable import CairnTransport

/// The loop as a SwiftNIO `EventLoop`: tasks from other threads and from itself, timers in
/// deadline order, cancellation, and a shutdown that fails what never ran.
@Suite struct SocketEventLoopTests {
    @Test func runsTasksFromOtherThreadsOnItsOwn() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        #expect(!loop.inEventLoop)
        let onLoop = try await loop.submit { loop.inEventLoop }.get()
        #expect(onLoop)
        // Many tasks from this thread keep their order.
        let seen = NIOLockedValueBox<[Int]>([])
        let futures = (0..<1000).map { i in loop.submit { seen.withLockedValue { $0.append(i) } } }
        for future in futures { try await future.get() }
        #expect(seen.withLockedValue { $0 } == Array(0..<1000))
        try await loop.shutdownGracefully()
    }

    @Test func tasksQueuedByATaskRunInTheSameTurn() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let order = try await loop.flatSubmit { () -> EventLoopFuture<[String]> in
            let log = NIOLockedValueBox<[String]>(["first"])
            let promise = loop.makePromise(of: [String].self)
            loop.execute {
                log.withLockedValue { $0.append("queued by first") }
                loop.execute { promise.succeed(log.withLockedValue { $0 + ["queued by queued"] }) }
            }
            return promise.futureResult
        }.get()
        #expect(order == ["first", "queued by first", "queued by queued"])
        try await loop.shutdownGracefully()
    }

    @Test func timersFireInDeadlineOrderAndNotEarly() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let fired = NIOLockedValueBox<[Int]>([])
        let start = NIODeadline.now()
        let later = loop.scheduleTask(in: .milliseconds(60)) { fired.withLockedValue { $0.append(60) } }
        let sooner = loop.scheduleTask(in: .milliseconds(20)) { fired.withLockedValue { $0.append(20) } }
        let soonest = loop.scheduleTask(deadline: .now()) { fired.withLockedValue { $0.append(0) } }
        try await later.futureResult.get()
        try await sooner.futureResult.get()
        try await soonest.futureResult.get()
        #expect(fired.withLockedValue { $0 } == [0, 20, 60])
        #expect(NIODeadline.now() - start >= .milliseconds(60))
        // A timer scheduled on the loop itself, while it is waiting towards a later one.
        let value = try await loop.flatSubmit { loop.scheduleTask(in: .milliseconds(5)) { 42 }.futureResult }.get()
        #expect(value == 42)
        try await loop.shutdownGracefully()
    }

    @Test func cancelledTimersNeverRunAndFailAsCancelled() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let ran = NIOLockedValueBox(0)
        // Set and cancel many, as blocking pops served before their timeout do: the queue
        // must not keep them (its heap is rebuilt once stale keys outnumber live ones).
        for _ in 0..<500 {
            let task = loop.scheduleTask(in: .seconds(3600)) { ran.withLockedValue { $0 += 1 } }
            task.cancel()
            await #expect(throws: EventLoopError.cancelled) { try await task.futureResult.get() }
        }
        let kept = loop.scheduleTask(in: .milliseconds(10)) { ran.withLockedValue { $0 += 1 } }
        try await kept.futureResult.get()
        #expect(ran.withLockedValue { $0 } == 1)
        try await loop.shutdownGracefully()
    }

    @Test func shutdownFailsTimersThatDidNotFireAndRefusesNewOnes() async throws {
        let loop = try SocketEventLoop(name: "test-loop")
        let pending = loop.scheduleTask(in: .seconds(3600)) { 1 }
        // Heard before the loop stops: a stopped loop runs no more callbacks.
        let outcome = Outcome(pending.futureResult)
        try await loop.shutdownGracefully()
        #expect(outcome.error as? EventLoopError == .shutdown)
        // A second shutdown reports that it already happened.
        await #expect(throws: EventLoopError.shutdown) { try await loop.shutdownGracefully() }
    }

    @Test func timerQueueDropsCancelledKeys() {
        var queue = TimerQueue()
        let noop = TimerQueue.Task(run: {}, abandon: {})
        var ids: [UInt64] = []
        for i in 0..<1000 { ids.append(queue.schedule(at: UInt64(1000 + i), noop)) }
        for id in ids.dropLast() {
            let cancelled = queue.cancel(id)
            #expect(cancelled)
        }
        let again = queue.cancel(ids[0])
        #expect(!again)
        #expect(queue.count == 1)
        let earliest = queue.earliestDeadline()
        #expect(earliest == 1999)
        var due: [@Sendable () -> Void] = []
        queue.takeDue(now: 1998, into: &due)
        #expect(due.isEmpty)
        queue.takeDue(now: 1999, into: &due)
        #expect(due.count == 1)
        #expect(queue.isEmpty)
    }
}

/// How a future ended, recorded as it ends (for futures that end as their loop stops).
final class Outcome<Value: Sendable>: Sendable {
    private let result = NIOLockedValueBox<Result<Value, any Error>?>(nil)

    init(_ future: EventLoopFuture<Value>) {
        let result = self.result
        future.whenComplete { outcome in result.withLockedValue { $0 = outcome } }
    }

    var ended: Bool { result.withLockedValue { $0 != nil } }
    var error: (any Error)? {
        guard case .failure(let error) = result.withLockedValue({ $0 }) else { return nil }
        return error
    }
}
