import Testing
import NIOCore
@testable import CairnCommands

/// The effects buffer handed to the log each turn and given back for a later one.
@Suite struct PropagationBufferTests {
    static func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

    @Test func aBufferGivenBackIsRecordedIntoAgainAndHoldsOnlyTheNewEffects() {
        var propagation = Propagation(isEnabled: true)
        propagation.record(db: 0, [.word("SET"), .bytes(Array("a".utf8)), .bytes(Array("1".utf8))])
        let first = propagation.take()
        #expect(PropagationBufferTests.text(first) == "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n")
        let firstCapacity = first.capacity
        propagation.reuse(consume first)
        #expect(propagation.bufferedCapacity >= firstCapacity)

        // The next turn records into a new buffer; the one after, into the one given back.
        propagation.record(db: 0, [.word("DEL"), .bytes(Array("a".utf8))])
        let second = propagation.take()
        #expect(PropagationBufferTests.text(second) == "*2\r\n$3\r\nDEL\r\n$1\r\na\r\n")
        propagation.record(db: 0, [.word("INCR"), .bytes(Array("n".utf8))])
        #expect(PropagationBufferTests.text(propagation.take()) == "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n")
    }

    @Test func aBufferStillHeldElsewhereIsNeverWrittenOver() {
        var propagation = Propagation(isEnabled: true)
        propagation.record(db: 0, [.word("SET"), .bytes(Array("k".utf8)), .bytes(Array("v".utf8))])
        let written = propagation.take()
        let keptForRetry = written                // as a failed write keeps its batch
        propagation.reuse(written)
        propagation.record(db: 0, [.word("DEL"), .bytes(Array("x".utf8))])
        _ = propagation.take()
        propagation.record(db: 0, [.word("DEL"), .bytes(Array("y".utf8))])
        #expect(PropagationBufferTests.text(propagation.take()) == "*2\r\n$3\r\nDEL\r\n$1\r\ny\r\n")
        #expect(PropagationBufferTests.text(keptForRetry) == "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
    }

    @Test func largeBuffersAreLetGo() {
        var propagation = Propagation(isEnabled: true)
        propagation.record(db: 0, [.word("SET"), .bytes(Array("k".utf8)), .bytes([UInt8](repeating: 120, count: 200_000))])
        let large = propagation.take()
        propagation.reuse(consume large)
        #expect(propagation.bufferedCapacity < 64 * 1024)
    }
}
