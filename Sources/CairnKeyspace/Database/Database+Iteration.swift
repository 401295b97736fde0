/// Walking a database: KEYS, SCAN, RANDOMKEY and the rewrite.
extension Database {
    /// Calls `body` for every live key (expired-but-not-removed keys are skipped).
    /// O(keys + segments).
    public func forEachLiveKey(now: Int64, _ body: (Key, Entry) -> Void) {
        for (p, page) in segments.pages.enumerated() where pageCounts[p] > 0 {
            for segment in page where !segment.isEmpty {
                for (key, entry) in segment where !entry.isExpired(at: now) {
                    body(key, entry)
                }
            }
        }
    }

    /// Hands over segment `index` and leaves it empty in this copy. A rewrite walks its
    /// snapshot this way so each segment is released as soon as it is written: a writer
    /// that has not touched that segment yet then finds it unshared and copies nothing.
    /// `body` is called with each of its keys and entries (expired ones included).
    /// O(the segment's keys).
    public mutating func takeSegment(_ index: Int, _ body: (Key, Entry) throws -> Void) rethrows {
        guard index < segments.count, !segments[index].isEmpty else { return }
        let segment = segments[index]
        segments[index] = Segment()
        pageCounts[index >> SegmentTable.pageShift] -= segment.count
        storedCount -= segment.count
        for (key, entry) in segment { try body(key, entry) }
    }

    /// One step of SCAN. The cursor is a segment number: each call returns every key of
    /// whole segments, starting at `cursor`, until at least `count` keys were visited.
    /// A key present for the whole scan is returned at least once, however the segments'
    /// tables grow or shrink in between, because a key never changes segment.
    /// Returns the next cursor, 0 when the walk is complete. O(keys visited + segments).
    public func scan(cursor: UInt64, count: Int, now: Int64, _ body: (Key, Entry) -> Void) -> UInt64 {
        guard !segments.isEmpty, cursor < UInt64(Self.segmentCount) else { return 0 }
        var s = Int(cursor)
        var visited = 0
        while s < segments.count {
            if pageCounts[s >> SegmentTable.pageShift] == 0 {
                // A page without keys: on to the next page's first segment.
                s = (s | (SegmentTable.pageSize - 1)) + 1
                if visited >= count { break }
                continue
            }
            if !segments[s].isEmpty {
                for (key, entry) in segments[s] {
                    visited += 1
                    if !entry.isExpired(at: now) { body(key, entry) }
                }
            }
            s += 1
            if visited >= count { break }
        }
        return s >= segments.count ? 0 : UInt64(s)
    }

    /// A random live key, expiring any expired keys it lands on, or nil if empty.
    /// Picks a random segment, then the next non-empty one, then a random entry in it.
    /// O(segments) worst case plus O(segment size).
    public mutating func randomKey(now: Int64, using generator: inout some RandomNumberGenerator) -> Key? {
        var attempts = 0
        while count > 0 && attempts < 100 {
            attempts += 1
            let start = Int.random(in: 0..<segments.count, using: &generator)
            var s = start
            while segments[s].isEmpty {
                s = (s + 1) & (Self.segmentCount - 1)
                if s == start { return nil }
            }
            let offset = Int.random(in: 0..<segments[s].count, using: &generator)
            let (key, entry) = (segments[s].key(at: offset), segments[s][position: offset])
            if entry.isExpired(at: now) {
                expire(key, segment: s)
                continue
            }
            return key
        }
        return nil
    }
}
