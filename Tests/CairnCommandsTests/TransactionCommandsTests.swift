import Testing
import NIOCore
import CairnProtocol
@testable import CairnCommands

@Suite struct TransactionCommandsTests {
    @Test func execRunsTheQueuedCommandsInOrder() {
        let h = Harness()
        #expect(h.run("MULTI") == .ok)
        #expect(h.run("SET", "a", "1") == .simple("QUEUED"))
        #expect(h.run("INCR", "a") == .simple("QUEUED"))
        #expect(h.run("GET", "a") == .simple("QUEUED"))
        #expect(h.run("EXISTS", "a") == .simple("QUEUED"))
        #expect(h.run("EXEC") == .array([.ok, .integer(2), .str("2"), .integer(1)]))
        #expect(h.run("GET", "a") == .str("2"))
    }

    @Test func aRefusedCommandDoomsTheTransaction() {
        let h = Harness()
        h.run("MULTI")
        #expect(h.run("SET", "a") == .error("ERR wrong number of arguments for 'set' command"))
        h.run("SET", "b", "1")
        #expect(h.run("EXEC") == .error("EXECABORT Transaction discarded because of previous errors."))
        #expect(h.run("EXISTS", "b") == .integer(0))
        #expect(h.run("EXEC") == .error("ERR EXEC without MULTI"))
    }

    @Test func execIsRefusedWhileWritesAreRefused() {
        let h = Harness()
        h.run("MULTI")
        h.run("SET", "a", "1")
        h.engine.writeRefusal = "MISCONF Errors writing to the AOF file: No space left on device"
        #expect(h.run("EXEC") == .error("EXECABORT Transaction discarded because of: MISCONF Errors writing to the AOF file: No space left on device"))
        h.engine.writeRefusal = nil
        #expect(h.run("EXISTS", "a") == .integer(0))
    }

    @Test func aTransactionIsLoggedAsOneMultiExecBlock() {
        let h = Harness(recording: true)
        h.run("MULTI")
        h.run("SET", "a", "1")
        h.run("SELECT", "1")
        h.run("INCR", "n")
        h.run("EXEC")
        #expect(h.effects() == [["MULTI"], ["SELECT", "0"], ["SET", "a", "1"], ["SELECT", "1"], ["INCR", "n"], ["EXEC"]])
        // One effect needs no block; a read-only or discarded transaction logs nothing.
        h.run("MULTI"); h.run("SET", "b", "2"); h.run("GET", "b"); h.run("EXEC")
        #expect(h.effects() == [["SET", "b", "2"]])
        h.run("MULTI"); h.run("GET", "b"); h.run("EXEC")
        h.run("MULTI"); h.run("SET", "c", "3"); h.run("DISCARD")
        #expect(h.effects().isEmpty)
    }
}

@Suite struct WatchCommandsTests {
    @Test func execFailsWhenAnotherClientChangedAWatchedKey() {
        let h = Harness()
        let other = h.engine.connect(address: "127.0.0.1:5001", localAddress: "127.0.0.1:7379")
        var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 0))
        h.run("SET", "k", "1")
        #expect(h.run("WATCH", "k") == .ok)
        h.engine.execute(Arguments(strings: ["INCRBY", "k", "0"]), client: other, into: &out)   // same value: still a write
        h.run("MULTI")
        h.run("SET", "k", "mine")
        #expect(h.run("EXEC") == .array(nil))
        #expect(h.run("GET", "k") == .str("1"))
        // EXEC unwatched everything: the next transaction runs.
        h.run("MULTI")
        h.run("SET", "k", "mine")
        #expect(h.run("EXEC") == .array([.ok]))
    }

    @Test func readsAndFailedWritesDoNotBreakAWatch() {
        let h = Harness()
        h.run("SET", "k", "text")
        h.run("WATCH", "k", "absent")
        h.run("GET", "k")
        h.run("INCR", "k")            // not an integer: nothing written
        h.run("SET", "k", "x", "NX")  // exists: nothing written
        h.run("DEL", "absent")
        h.run("MULTI")
        h.run("GET", "k")
        #expect(h.run("EXEC") == .array([.str("text")]))
    }

    @Test func aWatchedKeyThatExpiresFailsExec() {
        let h = Harness()
        h.run("SET", "k", "v", "PX", "100")
        h.run("WATCH", "k")
        h.now += 200
        h.run("MULTI")
        h.run("PING")
        #expect(h.run("EXEC") == .array(nil))
    }
}
