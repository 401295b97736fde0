
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
    /// skipped whole. Inlinable, so it is specialized for the caller's generator.
    /// O(count + segments visited).
    @inlinable public func sampleForEviction(count: Int, volatileOnly: Bool, now: Int64,
                                             using generator: inout some RandomNumberGenerator) -> [EvictionCandidate] {
        guard !segments.isEmpty, count > 0 else { return [] }
        // Never more than there are keys to look at (maxmemory-samples may be huge).
        let wanted = min(count, volatileOnly ? volatileCount : self.count)
        guard wanted > 0 else { return [] }
        var found: [EvictionCandidate] = []
        found.reserveCapacity(wanted)
        var s = Int.random(in: 0..<segments.count, using: &generator)
        var visited = 0
        while found.count < wanted && visited < Self.segmentCount {
            if !volatileOnly && pageCounts[s >> SegmentTable.pageShift] == 0 {
                let next = ((s >> SegmentTable.pageShift) + 1) << SegmentTable.pageShift
                visited += next - s
                s = next & (Self.segmentCount - 1)
                continue
            }
            if volatileOnly ? segments[s].volatileCount > 0 : !segments[s].isEmpty {
                for slot in segments[s].slots where found.count < wanted {
                    let entry = slot.entry
                    if (volatileOnly && !entry.isVolatile) || entry.isExpired(at: now) { continue }
                    found.append(EvictionCandidate(key: slot.key, clock: slot.clock, expireAt: entry.expireAt))
                }
            }
            s = (s + 1) & (Self.segmentCount - 1)
            visited += 1
        }
        return found
    }
}
