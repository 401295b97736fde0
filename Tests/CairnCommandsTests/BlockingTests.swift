import Testing
import NIOCore
import CairnProtocol
import CairnKeyspace
import CairnConfig
@testable import CairnCommands

/// Keeps what the engine delivers to clients outside their own reads, in order.
final class DeliveryRecorder {
    var delivered: [(client: Int64, reply: String)] = []

    /// One client's outlet, recording into the shared list.
    final class Outlet: ClientOutlet {
        let id: Int64
        unowned let recorder: DeliveryRecorder
        init(id: Int64, recorder: DeliveryRecorder) {
            self.id = id
            self.recorder = recorder
        }
        func deliver(_ reply: ByteBuffer, waitsForLog: Bool) {
            recorder.delivered.append((id, String(buffer: reply)))
        }
    }
}

/// The parking path without sockets: park, readiness, FIFO serving by re-execution,
/// timeouts, CLIENT UNBLOCK, disconnects, transactions and what the log gets.
@Suite struct BlockingTests {
    final class World {
        var now: Int64 = 1_700_000_000_000
        let engine: Engine
        let hooks = DeliveryRecorder()
        init() {
            var clock: () -> Int64 = { 0 }
            engine = Engine(clock: { clock() })
            clock = { [unowned self] in self.now }
            engine.timeSource = .manual(clock)
            engine.propagation.isEnabled = true
        }
        func client() -> ClientSession {
            let session = engine.connect(address: "127.0.0.1:1", localAddress: "127.0.0.1:2")
            session.outlet = DeliveryRecorder.Outlet(id: session.id, recorder: hooks)
            return session
        }
        /// Runs a request; returns its own reply ("" when it parked).
        @discardableResult
        func run(_ c: ClientSession, _ parts: String...) -> String {
            var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 0))
            engine.execute(Arguments(strings: parts), client: c, into: &out)
            return String(buffer: out.buffer)
        }
        func loggedCommands() -> [String] {
            var buffer = engine.propagation.take()
            var decoder = RequestDecoder()
            var args = Arguments()
            var out: [String] = []
            while (try? decoder.decode(&buffer, into: &args)) == true {
                out.append((0..<args.count).map { args.string($0) }.joined(separator: " "))
            }
            return out
        }
    }

    @Test func aPushServesTheWaitersInArrivalOrderAndLogsPlainPops() {
        let w = World()
        let a = w.client(), b = w.client(), pusher = w.client()
        #expect(w.run(a, "BLPOP", "q", "0") == "")
        #expect(w.run(b, "BRPOP", "other", "q", "0") == "")
        #expect(a.state.isBlocked && b.state.isBlocked && w.engine.blockedClientCount == 2)
        _ = w.loggedCommands()
        #expect(w.run(pusher, "RPUSH", "q", "x", "y", "z") == ":3\r\n")
        #expect(w.hooks.delivered.map(\.client) == [a.id, b.id])
        #expect(w.hooks.delivered.map(\.reply) == ["*2\r\n$1\r\nq\r\n$1\r\nx\r\n", "*2\r\n$1\r\nq\r\n$1\r\nz\r\n"])
        #expect(!a.state.isBlocked && !b.state.isBlocked && w.engine.blockedClientCount == 0)
        #expect(w.loggedCommands() == ["SELECT 0", "RPUSH q x y z", "LPOP q", "RPOP q"])
        #expect(w.run(pusher, "LRANGE", "q", "0", "-1") == "*1\r\n$1\r\ny\r\n")
    }

    @Test func aWaiterThatStillFindsNothingKeepsItsPlace() {
        let w = World()
        let first = w.client(), second = w.client(), other = w.client()
        w.run(first, "BLPOP", "k", "0")
        w.run(second, "BLPOP", "k", "0")
        // A transaction pushes and pops: the key is empty again when the waiters look.
        w.run(other, "MULTI"); w.run(other, "RPUSH", "k", "v"); w.run(other, "LPOP", "k")
        #expect(w.run(other, "EXEC") == "*2\r\n:1\r\n$1\r\nv\r\n")
        #expect(w.hooks.delivered.isEmpty && first.state.isBlocked && second.state.isBlocked)
        w.run(other, "LPUSH", "k", "1")
        #expect(w.hooks.delivered.map(\.client) == [first.id])
        w.run(other, "LPUSH", "k", "2")
        #expect(w.hooks.delivered.map(\.client) == [first.id, second.id])
    }

    @Test func aServedBlmoveMakesItsDestinationReadyForTheNextWaiter() {
        let w = World()
        let a = w.client(), b = w.client(), pusher = w.client()
        w.run(a, "BLMOVE", "s1", "s2", "LEFT", "RIGHT", "0")
        w.run(b, "BLMOVE", "s2", "s3", "LEFT", "RIGHT", "0")
        _ = w.loggedCommands()
        w.run(pusher, "RPUSH", "s1", "t")
        #expect(w.hooks.delivered.map(\.reply) == ["$1\r\nt\r\n", "$1\r\nt\r\n"])
        #expect(w.loggedCommands() == ["SELECT 0", "RPUSH s1 t", "LMOVE s1 s2 LEFT RIGHT", "LMOVE s2 s3 LEFT RIGHT"])
    }

    @Test func deadlinesUnblockWithTheTimeoutReplyAndNotBefore() {
        let w = World()
        let a = w.client()
        w.run(a, "BZPOPMIN", "z", "1.5")
        #expect(w.engine.timeOutBlockedClient(a.id, now: w.now + 1_499) == nil)
        #expect(a.state.isBlocked)
        let reply = w.engine.timeOutBlockedClient(a.id, now: w.now + 1_500)
        #expect(reply.map { String(buffer: $0) } == "*-1\r\n")
        #expect(!a.state.isBlocked && w.engine.blockedClientCount == 0)
        // Forever: no deadline to pass.
        w.run(a, "BLPOP", "k", "0")
        #expect(w.engine.timeOutBlockedClient(a.id, now: .max) == nil)
    }

    @Test func wrongTypeFoundWhenServedIsAnsweredAsAnError() {
        let w = World()
        let a = w.client(), other = w.client()
        w.run(a, "BLPOP", "k", "0")
        w.run(other, "SET", "k", "string")
        #expect(w.hooks.delivered.map(\.reply) == ["-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"])
        #expect(!a.state.isBlocked)
    }

    @Test func unblockAndDisconnectStopTheWait() {
        let w = World()
        let a = w.client(), b = w.client(), admin = w.client()
        w.run(a, "BLPOP", "k", "0")
        w.run(b, "BLMOVE", "k", "d", "LEFT", "LEFT", "0")
        #expect(w.run(admin, "CLIENT", "UNBLOCK", String(a.id), "ERROR") == ":1\r\n")
        #expect(w.hooks.delivered.last?.reply == "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
        #expect(w.run(admin, "CLIENT", "UNBLOCK", String(a.id)) == ":0\r\n")
        w.engine.disconnect(b)
        #expect(w.engine.blockedClientCount == 0)
        w.run(admin, "RPUSH", "k", "kept")
        #expect(w.run(admin, "LLEN", "k") == ":1\r\n")
        #expect(w.hooks.delivered.count == 1)
    }

    @Test func swapdbWakesWaitersOfTheDatabaseThatNowHasTheKey() {
        let w = World()
        let a = w.client(), other = w.client()
        w.run(a, "BLPOP", "k", "0")
        w.run(other, "SELECT", "1")
        w.run(other, "RPUSH", "k", "from-db1")
        #expect(w.hooks.delivered.isEmpty)
        w.run(other, "SWAPDB", "0", "1")
        #expect(w.hooks.delivered.map(\.reply) == ["*2\r\n$1\r\nk\r\n$8\r\nfrom-db1\r\n"])
    }

    @Test func timeoutsAreCheckedAsRedisChecksThem() {
        let w = World()
        let a = w.client()
        #expect(w.run(a, "BLPOP", "k", "-0.5") == "-ERR timeout is negative\r\n")
        #expect(w.run(a, "BLPOP", "k", "1e30") == "-ERR timeout is negative\r\n")
        #expect(w.run(a, "BLPOP", "k", "nan") == "-ERR timeout is not a float or out of range\r\n")
        #expect(w.run(a, "BLPOP", "k", "9223372036854775.807") == "")  // past the end of time: for ever
        #expect(w.engine.timeOutBlockedClient(a.id, now: .max) == nil)
        // Whole seconds take a shorter path to the same answers.
        let b = w.client(), c = w.client(), d = w.client()
        #expect(w.run(b, "BLPOP", "k", "-1") == "-ERR timeout is negative\r\n")
        #expect(w.run(b, "BLPOP", "k", "9223372036854776") == "-ERR timeout is negative\r\n")  // ms past Int64
        #expect(w.run(b, "BLPOP", "k", "9223372036854775807") == "-ERR timeout is negative\r\n")
        #expect(w.run(b, "BLPOP", "k", "-9223372036854775808") == "-ERR timeout is negative\r\n")
        #expect(w.run(b, "BLPOP", "k", "9223372036854775") == "")  // fits, but the deadline does not: for ever
        #expect(w.engine.timeOutBlockedClient(b.id, now: .max) == nil)
        #expect(w.run(c, "BLPOP", "k", "+2") == "")  // not strict: the long-double parse
        #expect(w.run(d, "BLPOP", "k", "2") == "")
        let now = w.engine.clock()
        #expect(w.engine.timeOutBlockedClient(d.id, now: now + 1999) == nil)
        #expect(w.engine.timeOutBlockedClient(c.id, now: now + 2000) != nil)
        #expect(w.engine.timeOutBlockedClient(d.id, now: now + 2000) != nil)
    }
}
