import Testing
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
