import Testing
@testable import CairnKeyspace

@Suite struct SegmentTableTests {
    @Test func emptyTableHasNoSegments() {
        let table = SegmentTable()
        #expect(table.isEmpty)
        #expect(table.count == 0)
        #expect(table.prefetchAddress(0) == nil)
    }

    /// The prefetch finds a segment from the page's raw storage (no retain): its address
    /// must be the element's, or the hint loads the wrong line.
    @Test func prefetchAddressIsTheSegmentsOwn() {
        var table = SegmentTable(count: 3 * SegmentTable.pageSize)
        table[SegmentTable.pageSize + 7].volatileCount = 1  // the page is copied on write
        for index in [0, 1, SegmentTable.pageSize - 1, SegmentTable.pageSize + 7, 3 * SegmentTable.pageSize - 1] {
            let page = index / SegmentTable.pageSize
            let expected = table.pages[page].withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress! + index % SegmentTable.pageSize) }
            #expect(table.prefetchAddress(index) == expected)
        }
        #expect(table.prefetchAddress(3 * SegmentTable.pageSize) == nil)
        #expect(table.prefetchAddress(-1) == nil)
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
