
/// A key eviction may remove, with what ranks it: when it was last used (its access
/// clock, or its LFU word under an LFU policy) and when it expires.
public struct EvictionCandidate: Sendable {
    public let key: Key
    public let clock: UInt32
    public let expireAt: Int64

    @inlinable init(key: Key, clock: UInt32, expireAt: Int64) {
        self.key = key
        self.clock = clock
        self.expireAt = expireAt
    }
}

extension Database {
    /// Up to `count` live keys from a random place — only keys with an expiry when
    /// `volatileOnly` — for eviction to rank. Like Redis's `dictGetSomeKeys`, it takes
    /// the keys of consecutive segments from a random start: one cache miss for several
    /// keys, where a random segment per key cost a miss each. Empty pages of segments are
    /// skipped whole. Only segments below `segmentLimit` are looked at (while a rewrite
    /// walks its snapshot, those it has released). Inlinable, so it is specialized for
    /// the caller's generator. O(count + segments visited).
    @inlinable public func sampleForEviction(count: Int, volatileOnly: Bool, now: Int64,
                                             segmentsBelow segmentLimit: Int = Database.segmentCount,
                                             using generator: inout some RandomNumberGenerator) -> [EvictionCandidate] {
        let limit = min(segmentLimit, segments.count)
        guard limit > 0, count > 0 else { return [] }
        // Never more than there are keys to look at (maxmemory-samples may be huge).
        let wanted = min(count, volatileOnly ? volatileCount : self.count)
        guard wanted > 0 else { return [] }
        var found: [EvictionCandidate] = []
        found.reserveCapacity(wanted)
        var s = Int.random(in: 0..<limit, using: &generator)
        var visited = 0
        while found.count < wanted && visited < limit {
            if !volatileOnly && pageCounts[s >> SegmentTable.pageShift] == 0 {
                let next = min(((s >> SegmentTable.pageShift) + 1) << SegmentTable.pageShift, limit)
                visited += next - s
                s = next == limit ? 0 : next
                continue
            }
            if volatileOnly ? segments[s].volatileCount > 0 : !segments[s].isEmpty {
                for slot in segments[s].slots where found.count < wanted {
                    let entry = slot.entry
                    if (volatileOnly && !entry.isVolatile) || entry.isExpired(at: now) { continue }
                    found.append(EvictionCandidate(key: slot.key, clock: slot.clock, expireAt: entry.expireAt))
                }
            }
            s = s + 1 == limit ? 0 : s + 1
            visited += 1
        }
        return found
    }
}
