/// A sorted set: members with scores, ordered by score and then by member bytes, as
/// Redis orders them.
///
/// Members map to scores in a dictionary (ZSCORE, membership: O(1)); the order lives in
/// a list of sorted chunks of at most `chunkCapacity` entries — a flat, cache-friendly
/// relative of a B+tree (Dragonfly moved Redis's skiplist to a B+tree to save memory).
/// Finding a position is a binary search over the chunks' last entries, then inside one
/// chunk: O(log n). Insert and remove move at most one chunk's entries: O(chunk). Rank
/// (ZRANK) and position (ZRANGE by index) add up the sizes of the chunks before:
/// O(n / chunkCapacity), a few hundred additions at a million members.
public struct SortedSet: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var score: Double
        public var member: ByteString

        @inlinable public init(score: Double, member: ByteString) {
            self.score = score
            self.member = member
        }

        /// Redis's order: by score, then by member bytes.
        @inlinable public static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.score < rhs.score || (lhs.score == rhs.score && lhs.member < rhs.member)
        }
    }

    public static let chunkCapacity = 256

    @usableFromInline var scores: [ByteString: Double] = [:]
    @usableFromInline var chunks: [[Entry]] = []

    public init() {}

    /// O(1).
    @inlinable public var count: Int { scores.count }
    @inlinable public var isEmpty: Bool { scores.isEmpty }

    /// The score of `member`, or nil. O(1) average.
    @inlinable public func score(of member: ByteString) -> Double? { scores[member] }

    /// Sets `member`'s score, adding it if absent; returns the previous score. O(log n + chunk).
    @discardableResult
    public mutating func set(_ member: ByteString, score: Double) -> Double? {
        let previous = scores.updateValue(score, forKey: member)
        if let previous {
            if previous == score { return previous }
            removeEntry(Entry(score: previous, member: member))
        }
        insertEntry(Entry(score: score, member: member))
        return previous
    }

    /// Removes `member`; returns whether it was there. O(log n + chunk).
    @discardableResult
    public mutating func remove(_ member: ByteString) -> Bool {
        guard let score = scores.removeValue(forKey: member) else { return false }
        removeEntry(Entry(score: score, member: member))
        return true
    }

    /// The 0-based position of `member` in ascending order, or nil. O(log n + n / chunk).
    public func rank(of member: ByteString) -> Int? {
        guard let score = scores[member] else { return nil }
        return firstIndex { !($0 < Entry(score: score, member: member)) }
    }

    /// Entries at ascending positions `range`, in ascending order. O(n / chunk + range).
    public func entries(in range: Range<Int>) -> [Entry] {
        guard !range.isEmpty else { return [] }
        var out: [Entry] = []
        out.reserveCapacity(range.count)
        var offset = 0
        for chunk in chunks {
            let chunkRange = offset..<(offset + chunk.count)
            offset += chunk.count
            let overlap = chunkRange.clamped(to: range)
            if overlap.isEmpty { if chunkRange.lowerBound >= range.upperBound { break } else { continue } }
            out.append(contentsOf: chunk[(overlap.lowerBound - chunkRange.lowerBound)..<(overlap.upperBound - chunkRange.lowerBound)])
        }
        return out
    }

    /// The first ascending position whose entry satisfies `isAtOrAfter`, which must be
    /// false then true along the order (a bound); `count` if none. O(log n + n / chunk).
    public func firstIndex(where isAtOrAfter: (Entry) -> Bool) -> Int {
        var lo = 0, hi = chunks.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if let last = chunks[mid].last, isAtOrAfter(last) { hi = mid } else { lo = mid + 1 }
        }
        guard lo < chunks.count else { return count }
        let offset = chunks[..<lo].reduce(0) { $0 + $1.count }
        return offset + Self.partition(chunks[lo], isAtOrAfter)
    }

    /// All entries in ascending order. O(n).
    public var allEntries: [Entry] { chunks.flatMap { $0 } }

    public static func == (lhs: SortedSet, rhs: SortedSet) -> Bool { lhs.scores == rhs.scores }

    // MARK: Chunks

    @usableFromInline static func partition(_ chunk: [Entry], _ isAtOrAfter: (Entry) -> Bool) -> Int {
        var lo = 0, hi = chunk.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if isAtOrAfter(chunk[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// The chunk an entry belongs in: the first whose last entry is not below it.
    @usableFromInline func chunkIndex(for entry: Entry) -> Int {
        var lo = 0, hi = chunks.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if let last = chunks[mid].last, !(last < entry) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    @usableFromInline mutating func insertEntry(_ entry: Entry) {
        if chunks.isEmpty { chunks.append([entry]); return }
        let c = min(chunkIndex(for: entry), chunks.count - 1)
        let at = Self.partition(chunks[c]) { !($0 < entry) }
        chunks[c].insert(entry, at: at)
        if chunks[c].count > Self.chunkCapacity {
            let upper = Array(chunks[c][(Self.chunkCapacity / 2)...])
            chunks[c].removeSubrange((Self.chunkCapacity / 2)...)
            chunks.insert(upper, at: c + 1)
        }
    }

    @usableFromInline mutating func removeEntry(_ entry: Entry) {
        let c = chunkIndex(for: entry)
        guard c < chunks.count else { return }
        let at = Self.partition(chunks[c]) { !($0 < entry) }
        guard at < chunks[c].count, chunks[c][at] == entry else { return }
        chunks[c].remove(at: at)
        if chunks[c].isEmpty {
            chunks.remove(at: c)
        } else if c + 1 < chunks.count, chunks[c].count + chunks[c + 1].count <= Self.chunkCapacity / 2 {
            chunks[c].append(contentsOf: chunks[c + 1])
            chunks.remove(at: c + 1)
        }
    }
}
