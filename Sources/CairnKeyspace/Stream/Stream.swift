/// Redis's stream: entries in ID order, each a list of field-value pairs, with the
/// metadata Redis keeps (the last ID given out, the largest deleted ID, how many entries
/// were ever added) and its consumer groups.
///
/// Entries live packed in nodes (`StreamNode`: up to 100 entries or 4 KB, IDs as
/// distances, field names shared with the node's first entry), so an entry costs a few
/// bytes beyond its values and no allocation of its own; a deleted entry is marked and
/// its node removed once all of its entries are. IDs grow, so a node is found by binary
/// search on its first and newest IDs. A value type built of arrays: copying a stream (a
/// rewrite's snapshot) is O(1) and a later change copies only the node it touches.
public struct Stream: Sendable, Equatable {
    /// Redis's `stream-node-max-entries`.
    public static let nodeCapacity = 100

    private(set) var nodes: [StreamNode] = []
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

    /// Equal when they hold the same entries, metadata and groups, however the entries
    /// are laid out in nodes (a replayed trim may keep deletion marks where the original
    /// dropped a whole node). O(n).
    public static func == (a: Stream, b: Stream) -> Bool {
        guard a.count == b.count, a.lastID == b.lastID, a.maxDeletedID == b.maxDeletedID,
              a.entriesAdded == b.entriesAdded, a.groups == b.groups else { return false }
        return a.range(.zero, .max) == b.range(.zero, .max)
    }

    public var isEmpty: Bool { count == 0 }

    /// The first entry's ID, if any. O(node).
    public var firstID: StreamID? { nodes.first?.firstPresent }

    /// The last entry's ID, if any (Redis's `streamLastValidID`). O(node).
    public var lastEntryID: StreamID? { nodes.last?.lastPresent }

    /// Whether entry `id` is present. O(log nodes + node).
    public func contains(_ id: StreamID) -> Bool { !range(id, id).isEmpty }

    /// The groups by name in byte order (Redis's radix-tree order). O(g log g).
    public var groupsByName: [(name: ByteString, group: StreamGroup)] {
        groups.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    // MARK: Counting reads (Redis 7.0's entries_read and lag)

    /// Redis's `streamRangeHasTombstones(s, start, NULL)`: whether an XDEL may have left
    /// a hole at or after `start`. O(node).
    public func mayHaveDeletionAfter(_ start: StreamID) -> Bool {
        guard count > 0, maxDeletedID != .zero, let first = firstID, first <= maxDeletedID else { return false }
        return start <= maxDeletedID
    }

    /// Redis's `streamEstimateDistanceFromFirstEverEntry`: how many entries were added up
    /// to and including `id`, or -1 when holes make that unknowable. O(node).
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

    /// Redis's `streamCGLag`: entries the group has yet to read, or nil when unknown. O(node).
    public func lag(of group: StreamGroup) -> Int64? {
        if entriesAdded == 0 { return 0 }
        if group.entriesRead != StreamGroup.unknownEntriesRead && !mayHaveDeletionAfter(group.lastDeliveredID) {
            return Int64(clamping: entriesAdded) &- group.entriesRead
        }
        let read = entriesAdded(through: group.lastDeliveredID)
        return read == StreamGroup.unknownEntriesRead ? nil : Int64(clamping: entriesAdded) &- read
    }

    // MARK: Entries

    /// Appends an entry whose ID is above `lastID` (the caller has checked); false if it
    /// is not. An array, not any collection: a generic across the module boundary ran
    /// unspecialized, its witness calls ~3% of XADD's CPU. Amortised O(size of the pairs).
    @discardableResult
    public mutating func append(_ id: StreamID, _ pairs: [ByteString]) -> Bool {
        guard id > lastID else { return false }
        // A node stores IDs as distances from its first: an ID below that (which XSETID's
        // checks already rule out) would start a node of its own rather than wrap.
        if nodes.isEmpty || nodes[nodes.count - 1].isFull || id.ms < nodes[nodes.count - 1].first.ms {
            if !nodes.isEmpty { nodes[nodes.count - 1].shrink() }
            nodes.append(StreamNode(first: id, fieldsOf: pairs))
        }
        nodes[nodes.count - 1].append(id, pairs)
        count += 1
        lastID = id
        entriesAdded &+= 1
        return true
    }

    /// The entries with IDs in `start...end`, in ID order or (reverse) the other way, at
    /// most `limit`. O(log nodes + bytes of the nodes visited).
    public func range(_ start: StreamID, _ end: StreamID, reverse: Bool = false, limit: Int = .max) -> [StreamEntry] {
        var out: [StreamEntry] = []
        guard start <= end, limit > 0, !nodes.isEmpty else { return out }
        if !reverse {
            var n = firstNode(endingAtOrAfter: start)
            while n < nodes.count, nodes[n].first <= end {
                var done = false
                nodes[n].scan { id, offset, deleted in
                    if id > end { done = true; return false }
                    guard !deleted, id >= start else { return true }
                    out.append(nodes[n].entry(id, at: offset))
                    if out.count >= limit { done = true; return false }
                    return true
                }
                if done { return out }
                n += 1
            }
        } else {
            var n = lastNode(startingAtOrBefore: end)
            while n >= 0, nodes[n].newest >= start {
                for entry in nodes[n].present(from: start, through: end).reversed() {
                    out.append(entry)
                    if out.count >= limit { return out }
                }
                n -= 1
            }
        }
        return out
    }

    /// Deletes the entry `id`; false if there is none. O(log nodes + node).
    @discardableResult
    public mutating func delete(_ id: StreamID) -> Bool {
        let n = firstNode(endingAtOrAfter: id)
        guard n < nodes.count, nodes[n].first <= id, nodes[n].delete(id) else { return false }
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
            if shouldRemove(node.newest, count - node.live + 1), removed + node.live <= limit {
                removed += node.live
                count -= node.live
                nodes.removeFirst()
                continue
            }
            if approximate { break }
            var remaining = count
            let marked = nodes[0].deleteOldest(budget: limit - removed) { id in
                guard shouldRemove(id, remaining) else { return false }
                remaining -= 1
                return true
            }
            removed += marked
            count -= marked
            if nodes[0].live == 0 { nodes.removeFirst() }
            return removed
        }
        return removed
    }

    /// Nodes, for a rewrite's walk (`entries(inNode:)`) and XINFO. O(1).
    public var nodeCount: Int { nodes.count }

    /// The entries present in node `n`, oldest first. O(node).
    public func entries(inNode n: Int) -> [StreamEntry] {
        guard n >= 0, n < nodes.count else { return [] }
        return nodes[n].present()
    }

    // MARK: Searching

    /// The first node whose newest ID is at least `id` (nodes.count if none). O(log nodes).
    private func firstNode(endingAtOrAfter id: StreamID) -> Int {
        var low = 0, high = nodes.count
        while low < high {
            let mid = (low + high) / 2
            if nodes[mid].newest < id { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The last node whose first ID is at most `id` (-1 if none). O(log nodes).
    private func lastNode(startingAtOrBefore id: StreamID) -> Int {
        var low = 0, high = nodes.count
        while low < high {
            let mid = (low + high) / 2
            if nodes[mid].first <= id { low = mid + 1 } else { high = mid }
        }
        return low - 1
    }
}
