import Testing
@testable import CairnKeyspace

@Suite struct SegmentTableTests {
    @Test func emptyTableHasNoSegments() {
        let table = SegmentTable()
        #expect(table.isEmpty)
        #expect(table.count == 0)
    }

    @Test func indexesEverySegmentAcrossPages() {
        var table = SegmentTable(count: 4 * SegmentTable.pageSize)
        #expect(table.count == 4 * SegmentTable.pageSize)
        for i in table.indices { table[i].volatileCount = i }
        #expect(table.map(\.volatileCount) == Array(0..<table.count))
    }

    @Test func aCopyKeepsItsStateWhenTheOriginalIsWritten() {
        var table = SegmentTable(count: 2 * SegmentTable.pageSize)
        let inSecondPage = SegmentTable.pageSize + 3
        _ = table[inSecondPage].store(Entry(value: .string(ByteString("old"))), for: Key("k"), clock: 1)
        let snapshot = table
        _ = table[inSecondPage].store(Entry(value: .string(ByteString("new"))), for: Key("k"), clock: 2)
        _ = table[0].store(Entry(value: .string(ByteString("x"))), for: Key("other"), clock: 2)
        #expect(snapshot[inSecondPage].entry(for: Key("k"))?.value == .string(ByteString("old")))
        #expect(snapshot[inSecondPage].clock(at: 0) == 1)
        #expect(snapshot[0].isEmpty)
        #expect(table[inSecondPage].entry(for: Key("k"))?.value == .string(ByteString("new")))
    }
}
