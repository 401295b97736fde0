import CCairnShims

/// A database's segments, kept in pages of 256 so that a snapshot's copy-on-write happens
/// at two small levels instead of one large one.
///
/// After a snapshot, the first write anywhere copies the page directory (256 references)
/// and the first write to a page copies that page (256 segment references): each write
/// pays for at most a few hundred reference-count updates. A flat array of 65,536
/// segments would make the first write after a snapshot retain all of them at once — one
/// cache miss each, measured at about 3 ms.
@usableFromInline
struct SegmentTable: RandomAccessCollection, MutableCollection, Sendable {
    @usableFromInline static let pageShift = 8
    @usableFromInline static let pageSize = 1 << pageShift

    @usableFromInline var pages: [[Segment]]

    /// An empty table (no pages), which costs nothing until the first write. O(1).
    @usableFromInline init() { pages = [] }

    /// `count` empty segments, `count` a multiple of the page size. O(count).
    @usableFromInline init(count: Int) {
        pages = Array(repeating: Array(repeating: Segment(), count: Self.pageSize), count: count >> Self.pageShift)
    }

    @inlinable var startIndex: Int { 0 }
    @inlinable var endIndex: Int { pages.count << Self.pageShift }
    @inlinable func index(after i: Int) -> Int { i + 1 }
    @inlinable func index(before i: Int) -> Int { i - 1 }

    /// Starts loading segment `index` into the cache (see `Database.prefetch`). O(1).
    func prefetch(_ index: Int) {
        pages[index >> Self.pageShift].withUnsafeBufferPointer { page in
            guard let base = page.baseAddress else { return }
            cairn_prefetch(base + (index & (Self.pageSize - 1)))
        }
    }

    /// The segment at `index`. O(1); a write copies at most one page and the directory.
    @inlinable @inline(__always) subscript(index: Int) -> Segment {
        _read { yield pages[index >> Self.pageShift][index & (Self.pageSize - 1)] }
        _modify { yield &pages[index >> Self.pageShift][index & (Self.pageSize - 1)] }
    }
}
