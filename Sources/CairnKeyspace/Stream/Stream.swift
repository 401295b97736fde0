/// A stream entry's ID: a millisecond time and a sequence number, ordered as a pair.
public struct StreamID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var ms: UInt64
    public var seq: UInt64

    public init(ms: UInt64, seq: UInt64) {
        self.ms = ms
        self.seq = seq
    }

    public static let zero = StreamID(ms: 0, seq: 0)
    public static let max = StreamID(ms: .max, seq: .max)

    public static func < (a: StreamID, b: StreamID) -> Bool {
        a.ms != b.ms ? a.ms < b.ms : a.seq < b.seq
    }

    /// One word into the hasher rather than two: pending lists hash IDs on every
    /// delivery and acknowledgement. The odd multiplier spreads `ms` over the word.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(ms &* 0x9E37_79B9_7F4A_7C15 ^ seq)
    }

    /// `ms-seq`, as Redis prints IDs.
    public var description: String { "\(ms)-\(seq)" }

    /// `ms-seq` written into a stack buffer and handed to `body` (no allocation). O(1).
    public func withText<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &storage) { raw in
            var i = raw.count
            var value = seq
            repeat { i -= 1; raw[i] = 48 &+ UInt8(value % 10); value /= 10 } while value != 0
            i -= 1
            raw[i] = UInt8(ascii: "-")
            value = ms
            repeat { i -= 1; raw[i] = 48 &+ UInt8(value % 10); value /= 10 } while value != 0
            return body(UnsafeRawBufferPointer(rebasing: raw[i...]))
        }
    }

    /// The next ID, or nil after the largest. O(1).
    public var successor: StreamID? {
        if seq < .max { return StreamID(ms: ms, seq: seq + 1) }
        if ms < .max { return StreamID(ms: ms + 1, seq: 0) }
        return nil
    }

    /// The previous ID, or nil before the smallest. O(1).
    public var predecessor: StreamID? {
        if seq > 0 { return StreamID(ms: ms, seq: seq - 1) }
        if ms > 0 { return StreamID(ms: ms - 1, seq: .max) }
        return nil
    }

    /// Parses `ms` or `ms-seq` (decimal digits only, each at most 2^64-1); a missing
    /// sequence is `missingSequence` (0 for a range's start, the largest for its end).
    /// O(length).
    public init?(parsing text: UnsafeRawBufferPointer, missingSequence: UInt64) {
        guard let dash = text.firstIndex(of: UInt8(ascii: "-")) else {
            guard let ms = Self.number(UnsafeRawBufferPointer(rebasing: text[...])) else { return nil }
            self.init(ms: ms, seq: missingSequence)
            return
        }
        guard let ms = Self.number(UnsafeRawBufferPointer(rebasing: text[..<dash])),
              let seq = Self.number(UnsafeRawBufferPointer(rebasing: text[(dash + 1)...])) else { return nil }
        self.init(ms: ms, seq: seq)
    }

    static func number(_ digits: UnsafeRawBufferPointer) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= 48 && byte <= 57 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - 48))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }
}

/// Redis's stream: entries in ID order, each a list of field-value pairs, with the
/// metadata Redis keeps (the last ID given out, the largest deleted ID, how many entries
/// were ever added).
///
/// Entries live in nodes of up to `nodeCapacity` (Redis's `stream-node-max-entries`,
/// 100), each node's IDs, field-value pairs and deletion marks in flat arrays, so an
/// entry costs no allocation of its own; a deleted entry is marked and its node removed
/// once all of its entries are. IDs grow, so a node is found by binary search on its
/// first ID. A value type built of arrays: copying a stream (a rewrite's snapshot) is
/// O(1) and a later change copies only what it touches.
public struct Stream: Sendable, Equatable {
    public static let nodeCapacity = 100

    struct Node: Sendable, Equatable {
        var ids: [StreamID] = []
        /// `ends[i]`: one past entry `i`'s last part in `parts`.
        var ends: [Int32] = []
        var parts: [ByteString] = []
        var deleted: [Bool] = []
        var live = 0

        func pairs(_ i: Int) -> ArraySlice<ByteString> {
            parts[(i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i])]
        }
    }

    private(set) var nodes: [Node] = []
    /// Entries present. O(1).
    public private(set) var count = 0
    /// The largest ID the stream ever had (XADD `*` goes above it; XSETID moves it).
    public var lastID = StreamID.zero
    /// The largest ID XDEL removed.
    public var maxDeletedID = StreamID.zero
    /// Entries ever added (XINFO's `entries-added`; XSETID may set it).
    public var entriesAdded: UInt64 = 0
    /// Consumer groups by name (see `StreamGroup`).
    public var groups: [ByteString: StreamGroup] = [:]

    public init() {}

    /// Equal when they hold the same entries and metadata, however the entries are laid
    /// out in nodes (a replayed trim may keep deletion marks where the original dropped
    /// a whole node). O(n).
    public static func == (a: Stream, b: Stream) -> Bool {
        guard a.count == b.count, a.lastID == b.lastID, a.maxDeletedID == b.maxDeletedID,
              a.entriesAdded == b.entriesAdded, a.groups == b.groups else { return false }
        let left = a.range(.zero, .max), right = b.range(.zero, .max)
        return left.elementsEqual(right) { $0.id == $1.id && $0.pairs.elementsEqual($1.pairs) }
    }

    public var isEmpty: Bool { count == 0 }

    /// The first entry's ID, if any. O(node capacity).
    public var firstID: StreamID? {
        guard let node = nodes.first, let i = node.deleted.firstIndex(of: false) else { return nil }
        return node.ids[i]
    }

    /// The last entry's ID, if any (Redis's `streamLastValidID`). O(node capacity).
    public var lastEntryID: StreamID? {
        guard let node = nodes.last, let i = node.deleted.lastIndex(of: false) else { return nil }
        return node.ids[i]
    }

    /// Whether entry `id` is present. O(log nodes + log node capacity).
    public func contains(_ id: StreamID) -> Bool {
        let n = firstNode(endingAtOrAfter: id)
        guard n < nodes.count else { return false }
        let i = Self.lowerBound(nodes[n].ids, id)
        return i < nodes[n].ids.count && nodes[n].ids[i] == id && !nodes[n].deleted[i]
    }

    /// The groups by name in byte order (Redis's radix-tree order). O(g log g).
    public var groupsByName: [(name: ByteString, group: StreamGroup)] {
        groups.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    // MARK: Counting reads (Redis 7.0's entries_read and lag)

    /// Redis's `streamRangeHasTombstones(s, start, NULL)`: whether an XDEL may have left
    /// a hole at or after `start`. O(node capacity).
    public func mayHaveDeletionAfter(_ start: StreamID) -> Bool {
        guard count > 0, maxDeletedID != .zero, let first = firstID, first <= maxDeletedID else { return false }
        return start <= maxDeletedID
    }

    /// Redis's `streamEstimateDistanceFromFirstEverEntry`: how many entries were added up
    /// to and including `id`, or -1 when holes make that unknowable. O(node capacity).
    public func entriesAdded(through id: StreamID) -> Int64 {
        let added = Int64(clamping: entriesAdded)
        if entriesAdded == 0 { return 0 }
        if count == 0 && id <= lastID { return added }
        if id == lastID { return added }
        if id > lastID { return StreamGroup.unknownEntriesRead }
        guard let first = firstID else { return StreamGroup.unknownEntriesRead }
        if maxDeletedID == .zero || maxDeletedID < first {
            if id < first { return added - Int64(count) }
            if id == first { return added - Int64(count) + 1 }
        }
        return StreamGroup.unknownEntriesRead
    }

    /// Redis's `streamCGLag`: entries the group has yet to read, or nil when unknown.
    /// O(node capacity).
    public func lag(of group: StreamGroup) -> Int64? {
        if entriesAdded == 0 { return 0 }
        if group.entriesRead != StreamGroup.unknownEntriesRead && !mayHaveDeletionAfter(group.lastDeliveredID) {
            return Int64(clamping: entriesAdded) &- group.entriesRead
        }
        let read = entriesAdded(through: group.lastDeliveredID)
        return read == StreamGroup.unknownEntriesRead ? nil : Int64(clamping: entriesAdded) &- read
    }

    /// Appends an entry whose ID is above `lastID` (the caller has checked); false if it
    /// is not. Amortised O(pairs).
    @discardableResult
    public mutating func append(_ id: StreamID, _ pairs: some Collection<ByteString>) -> Bool {
        guard id > lastID else { return false }
        if nodes.isEmpty || nodes[nodes.count - 1].ids.count >= Self.nodeCapacity {
            nodes.append(Node())
        }
        let last = nodes.count - 1
        nodes[last].ids.append(id)
        nodes[last].parts.append(contentsOf: pairs)
        nodes[last].ends.append(Int32(clamping: nodes[last].parts.count))
        nodes[last].deleted.append(false)
        nodes[last].live += 1
        count += 1
        lastID = id
        entriesAdded &+= 1
        return true
    }

    /// The entries with IDs in `start...end`, in ID order or (reverse) the other way, at
    /// most `limit`. O(log nodes + entries visited).
    public func range(_ start: StreamID, _ end: StreamID, reverse: Bool = false,
                      limit: Int = .max) -> [(id: StreamID, pairs: ArraySlice<ByteString>)] {
        var out: [(id: StreamID, pairs: ArraySlice<ByteString>)] = []
        guard start <= end, limit > 0, !nodes.isEmpty else { return out }
        if !reverse {
            let firstVisited = firstNode(endingAtOrAfter: start)
            var n = firstVisited
            while n < nodes.count {
                let node = nodes[n]
                var i = n == firstVisited ? Self.lowerBound(node.ids, start) : 0
                while i < node.ids.count {
                    let id = node.ids[i]
                    if id > end { return out }
                    if !node.deleted[i] {
                        out.append((id, node.pairs(i)))
                        if out.count >= limit { return out }
                    }
                    i += 1
                }
                n += 1
            }
        } else {
            var n = lastNode(startingAtOrBefore: end)
            let firstVisited = n
            while n >= 0 {
                let node = nodes[n]
                var i = n == firstVisited ? Self.upperBound(node.ids, end) - 1 : node.ids.count - 1
                while i >= 0 {
                    let id = node.ids[i]
                    if id < start { return out }
                    if !node.deleted[i] {
                        out.append((id, node.pairs(i)))
                        if out.count >= limit { return out }
                    }
                    i -= 1
                }
                n -= 1
            }
        }
        return out
    }

    /// Deletes the entry `id`; false if there is none. O(log nodes + node capacity).
    @discardableResult
    public mutating func delete(_ id: StreamID) -> Bool {
        let n = firstNode(endingAtOrAfter: id)
        guard n < nodes.count else { return false }
        let i = Self.lowerBound(nodes[n].ids, id)
        guard i < nodes[n].ids.count, nodes[n].ids[i] == id, !nodes[n].deleted[i] else { return false }
        nodes[n].deleted[i] = true
        nodes[n].live -= 1
        count -= 1
        if id > maxDeletedID { maxDeletedID = id }
        if nodes[n].live == 0 { nodes.remove(at: n) }
        return true
    }

    /// Removes the oldest entries until at most `maxLength` remain; `approximate` removes
    /// whole nodes only (as Redis's `~`), at most `limit` entries. Returns how many went.
    /// O(entries removed + nodes).
    @discardableResult
    public mutating func trim(maxLength: Int, approximate: Bool, limit: Int = .max) -> Int {
        trim(approximate: approximate, limit: limit) { _, remaining in remaining > maxLength }
    }

    /// Removes the entries with IDs below `minID`; `approximate` removes whole nodes
    /// only, at most `limit` entries. Returns how many went. O(entries removed + nodes).
    @discardableResult
    public mutating func trim(minID: StreamID, approximate: Bool, limit: Int = .max) -> Int {
        trim(approximate: approximate, limit: limit) { id, _ in id < minID }
    }

    /// Trimming from the oldest entry while `shouldRemove(id, entries left)` says so.
    private mutating func trim(approximate: Bool, limit: Int, _ shouldRemove: (StreamID, Int) -> Bool) -> Int {
        var removed = 0
        while let node = nodes.first {
            // A whole node goes when its newest entry still should (and the limit allows).
            let newest = node.ids[node.ids.count - 1]
            if shouldRemove(newest, count - node.live + 1), removed + node.live <= limit {
                removed += node.live
                count -= node.live
                nodes.removeFirst()
                continue
            }
            if approximate { break }
            var i = 0
            while i < nodes[0].ids.count && removed < limit {
                if !nodes[0].deleted[i] {
                    guard shouldRemove(nodes[0].ids[i], count) else { return removed }
                    nodes[0].deleted[i] = true
                    nodes[0].live -= 1
                    count -= 1
                    removed += 1
                }
                i += 1
            }
            if nodes[0].live == 0 { nodes.removeFirst() }
            return removed
        }
        return removed
    }

    /// Nodes, for a rewrite's walk (`entries(inNode:)`). O(1).
    public var nodeCount: Int { nodes.count }

    /// The entries present in node `n`, oldest first. O(node capacity).
    public func entries(inNode n: Int) -> [(id: StreamID, pairs: ArraySlice<ByteString>)] {
        guard n >= 0, n < nodes.count else { return [] }
        let node = nodes[n]
        return node.ids.indices.filter { !node.deleted[$0] }.map { (node.ids[$0], node.pairs($0)) }
    }

    // MARK: Searching

    /// The first node whose newest ID is at least `id` (nodes.count if none). O(log nodes).
    private func firstNode(endingAtOrAfter id: StreamID) -> Int {
        var low = 0, high = nodes.count
        while low < high {
            let mid = (low + high) / 2
            if nodes[mid].ids[nodes[mid].ids.count - 1] < id { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The last node whose oldest ID is at most `id` (-1 if none). O(log nodes).
    private func lastNode(startingAtOrBefore id: StreamID) -> Int {
        var low = 0, high = nodes.count
        while low < high {
            let mid = (low + high) / 2
            if nodes[mid].ids[0] <= id { low = mid + 1 } else { high = mid }
        }
        return low - 1
    }

    /// First index whose ID is at least `id`. O(log n).
    static func lowerBound(_ ids: [StreamID], _ id: StreamID) -> Int {
        var low = 0, high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// First index whose ID is above `id`. O(log n).
    static func upperBound(_ ids: [StreamID], _ id: StreamID) -> Int {
        var low = 0, high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] <= id { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
