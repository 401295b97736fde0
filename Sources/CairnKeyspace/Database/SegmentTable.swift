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
    ///
    /// Reaching the page through `pages[p]` copies the page's array, and the copy's
    /// retain writes to the page's header: when that line is not cached, the retain is the
    /// very miss the prefetch was meant to hide, taken synchronously (measured: 1.6% of an
    /// FCALL's samples). So the page's storage is found from the raw reference the outer
    /// array holds, without retaining it, and its elements from the array storage's header
    /// size. Only a hint reads the result: a wrong address would cost a useless prefetch,
    /// never a fault or a wrong answer.
    func prefetch(_ index: Int) {
        if let address = prefetchAddress(index) { cairn_prefetch(address) }
    }

    /// Where segment `index` lives, found without retaining its page (see `prefetch`).
    func prefetchAddress(_ index: Int) -> UnsafeRawPointer? {
        guard MemoryLayout<[Segment]>.size == MemoryLayout<UnsafeRawPointer>.size, index >= 0 else { return nil }
        return pages.withUnsafeBufferPointer { outer in
            let page = index >> Self.pageShift
            guard let base = outer.baseAddress, page < outer.count else { return nil }
            let storage = UnsafeRawPointer(base + page).load(as: UnsafeRawPointer.self)
            return storage + Self.arrayHeaderSize + (index & (Self.pageSize - 1)) * MemoryLayout<Segment>.stride
        }
    }

    /// Where a native array's elements start in its storage object: after the object
    /// header (metadata and reference counts) and the count and capacity words.
    private static let arrayHeaderSize = 4 * MemoryLayout<Int>.size

    /// The segment at `index`. O(1); a write copies at most one page and the directory.
    @inlinable @inline(__always) subscript(index: Int) -> Segment {
        _read { yield pages[index >> Self.pageShift][index & (Self.pageSize - 1)] }
        _modify { yield &pages[index >> Self.pageShift][index & (Self.pageSize - 1)] }
    }
}
