public import OrderedCollections

/// A sorted set: members with scores, ordered by score and then by member bytes, as
/// Redis orders them.
///
/// The order lives in a list of sorted chunks of at most `chunkCapacity` entries — a
/// flat, cache-friendly relative of a B+tree (Dragonfly moved Redis's skiplist to a
/// B+tree to save memory). Finding a position is a binary search over the chunks' last
/// entries, then inside one chunk: O(log n). Insert and remove move at most one chunk's
/// entries: O(chunk). Rank (ZRANK) and position (ZRANGE by index) add up the sizes of the
/// chunks before: O(n / chunkCapacity), a few hundred additions at a million members.
///
/// How a member finds its score depends on the set's size, as in Redis: a small set
/// (within `CompactLimits`, by default 128 members of at most 64 bytes — Redis's
/// `zset-max-listpack-*`) has only its chunk and scans it, O(n) like Redis's listpack;
/// past the limits a dictionary from member to score is added (O(1)) and kept from
/// then on, as Redis keeps a set converted to a skiplist. `isCompact` tells which, for
/// OBJECT ENCODING.
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

    /// How members are found: by scanning the chunks, or through a dictionary.
    @usableFromInline enum MemberIndex: Sendable {
        case scan
        /// Members and scores in a dense table whose removals fill the hole with the last
        /// member, so positions double as a scan cursor (ZSCAN), as in `MemberSet`. Boxed
        /// (`indirect`), so a sorted set stays three words and every `Value` 24 bytes.
        indirect case hashed(OrderedDictionary<ByteString, Double>)
    }

    @usableFromInline var index = MemberIndex.scan
    @usableFromInline var storedCount = 0
    @usableFromInline var chunks: [[Entry]] = []

    public init() {}

    /// O(1).
    @inlinable public var count: Int { storedCount }
    @inlinable public var isEmpty: Bool { storedCount == 0 }

    /// Whether members are found by scanning (Redis's `listpack`) rather than hashing
    /// (Redis's `skiplist`). O(1).
    @inlinable public var isCompact: Bool {
        if case .scan = index { return true }
        return false
    }

    /// The score of `member`, or nil. O(1) average; O(n) for a compact set.
    @inlinable public func score(of member: ByteString) -> Double? {
        switch index {
        case .hashed(let scores): return scores[member]
        case .scan:
            for chunk in chunks {
                for entry in chunk where entry.member == member { return entry.score }
            }
            return nil
        }
    }

    /// Sets `member`'s score, adding it if absent; returns the previous score. Adds the
    /// member dictionary once the set outgrows `limits`. O(log n + chunk); O(n) while compact.
    @discardableResult
    public mutating func set(_ member: ByteString, score: Double, limits: CompactLimits = .redisDefault) -> Double? {
        let previous: Double?
        switch index {
        case .scan:
            previous = self.score(of: member)
        case .hashed(var scores):
            index = .scan  // drop the enum's reference so the dictionary mutates in place
            previous = scores.updateValue(score, forKey: member)
            index = .hashed(scores)
        }
        if let previous {
            if previous == score { return previous }
            removeEntry(Entry(score: previous, member: member))
        } else {
            storedCount += 1
        }
        insertEntry(Entry(score: score, member: member))
        if case .scan = index, !limits.admits(count: storedCount, length: member.count) {
            var scores = OrderedDictionary<ByteString, Double>(minimumCapacity: storedCount)
            for chunk in chunks { for entry in chunk { scores[entry.member] = entry.score } }
            index = .hashed(scores)
        }
        return previous
    }

    /// Removes `member`; returns whether it was there. O(log n + chunk); O(n) while compact.
    @discardableResult
    public mutating func remove(_ member: ByteString) -> Bool {
        let score: Double
        switch index {
        case .scan:
            guard let found = self.score(of: member) else { return false }
            score = found
        case .hashed(var scores):
            index = .scan
            guard let at = scores.index(forKey: member) else { index = .hashed(scores); return false }
            score = scores.values[at]
            let last = scores.count - 1
            if at != last { scores.swapAt(at, last) }
            scores.removeLast()
            index = .hashed(scores)
        }
        storedCount -= 1
        removeEntry(Entry(score: score, member: member))
        return true
    }

    /// The 0-based position of `member` in ascending order, or nil. O(log n + n / chunk).
    public func rank(of member: ByteString) -> Int? {
        guard let score = score(of: member) else { return nil }
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

    /// For ZSCAN of a set that is not compact: the member and score at `position` of the
    /// member table (0 ..< count). Removals move only the last member into the hole, so a
    /// walk from the end returns every member present throughout at least once, whatever
    /// scores change meanwhile. O(1).
    public func scanEntry(at position: Int) -> Entry? {
        guard case .hashed(let scores) = index, position >= 0, position < scores.count else { return nil }
        let (member, score) = scores.elements[position]
        return Entry(score: score, member: member)
    }

    /// Equal when they hold the same members with the same scores, however indexed.
    public static func == (lhs: SortedSet, rhs: SortedSet) -> Bool {
        lhs.count == rhs.count && lhs.chunks.lazy.joined().elementsEqual(rhs.chunks.lazy.joined())
    }

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

/// Redis's thresholds for its compact encodings (`listpack`, `intset`): at most
/// `entries` elements, each at most `bytes` long. Collections within them stay compact;
/// Redis's `*-max-listpack-*` and `set-max-intset-entries` settings set them.
public struct CompactLimits: Sendable, Equatable {
    public var entries: Int
    public var bytes: Int

    public init(entries: Int, bytes: Int) {
        self.entries = entries
        self.bytes = bytes
    }

    /// `zset-max-listpack-*` defaults.
    public static let redisDefault = CompactLimits(entries: 128, bytes: 64)

    /// Whether a collection of `count` elements, the latest `length` bytes long, stays compact.
    @inlinable public func admits(count: Int, length: Int) -> Bool {
        count <= entries && length <= bytes
    }
}
