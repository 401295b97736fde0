/// A key eviction may remove, with what ranks it: when it was last used (its access
/// clock, or its LFU word under an LFU policy) and when it expires.
public struct EvictionCandidate: Sendable {
    public let key: Key
    public let clock: UInt32
    public let expireAt: Int64
}

extension Database {
    /// Up to `count` random live keys — only keys with an expiry when `volatileOnly` —
    /// for eviction to rank (Redis samples the same way, `maxmemory-samples` at a time).
    /// O(count + empty segments skipped).
    public func sampleForEviction(count: Int, volatileOnly: Bool, now: Int64,
                                  using generator: inout some RandomNumberGenerator) -> [EvictionCandidate] {
        guard !segments.isEmpty, count > 0 else { return [] }
        // Never more than there are keys to look at (maxmemory-samples may be huge).
        let wanted = min(count, volatileOnly ? volatileCount : self.count)
        var found: [EvictionCandidate] = []
        var attempts = 0
        while found.count < wanted && attempts < wanted * 4 {
            attempts += 1
            let start = Int.random(in: 0..<segments.count, using: &generator)
            var s = start
            while volatileOnly ? segments[s].volatileCount == 0 : segments[s].entries.isEmpty {
                s = (s + 1) & (Self.segmentCount - 1)
                if s == start { return found }
            }
            let entries = segments[s].entries
            var offset = Int.random(in: 0..<entries.count, using: &generator)
            if volatileOnly {
                // The next entry with an expiry, from a random place (the segment has one).
                var steps = 0
                while !entries.elements[offset].value.isVolatile && steps < entries.count {
                    offset = offset + 1 == entries.count ? 0 : offset + 1
                    steps += 1
                }
            }
            let (key, entry) = entries.elements[offset]
            if entry.isExpired(at: now) || (volatileOnly && !entry.isVolatile) { continue }
            found.append(EvictionCandidate(key: key, clock: segments[s].clocks[offset], expireAt: entry.expireAt))
        }
        return found
    }
}
