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
        table[inSecondPage].entries[Key("k")] = Entry(value: .string(ByteString("old")))
        let snapshot = table
        table[inSecondPage].entries[Key("k")] = Entry(value: .string(ByteString("new")))
        table[0].entries[Key("other")] = Entry(value: .string(ByteString("x")))
        #expect(snapshot[inSecondPage].entries[Key("k")]?.value == .string(ByteString("old")))
        #expect(snapshot[0].entries.isEmpty)
        #expect(table[inSecondPage].entries[Key("k")]?.value == .string(ByteString("new")))
    }
}
