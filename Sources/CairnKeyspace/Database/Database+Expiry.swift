/// Active expiry: reclaiming keys that expired and are never read again.
extension Database {
    /// Removes expired keys, visiting at most `maxSegments` segments that hold keys with
    /// an expiry, continuing where the previous sweep stopped. Returns how many keys it
    /// removed and how many volatile keys it examined, so the caller can decide (as Redis
    /// does from its sample) whether another round is worth its time budget.
    /// O(segments skipped + entries of the visited segments).
    public mutating func sweepExpired(now: Int64, maxSegments: Int) -> (removed: Int, examined: Int) {
        guard volatileCount > 0, !segments.isEmpty else { return (0, 0) }
        var removed = 0
        var examined = 0
        var visited = 0
        var steps = 0
        while visited < maxSegments && steps < Self.segmentCount {
            let s = sweepCursor
            sweepCursor = (sweepCursor + 1) & (Self.segmentCount - 1)
            steps += 1
            guard segments[s].volatileCount > 0 else { continue }
            visited += 1
            var due: [Key] = []
            for (key, entry) in segments[s] where entry.isVolatile {
                examined += 1
                if entry.expireAt <= now { due.append(key) }
            }
            for key in due { expire(key, segment: s) }
            removed += due.count
        }
        return (removed, examined)
    }

    /// The average remaining time to live, in ms, over at most `sampleSegments` segments
    /// with volatile keys (for INFO keyspace's avg_ttl). O(entries of the sampled segments).
    public func averageTTL(now: Int64, sampleSegments: Int = 16) -> Int64 {
        guard volatileCount > 0 else { return 0 }
        // A running mean: a sum of TTLs near Int64.max would overflow.
        var mean: Double = 0
        var n: Double = 0
        var seen = 0
        for segment in segments where segment.volatileCount > 0 {
            for (_, entry) in segment where entry.isVolatile && entry.expireAt > now {
                n += 1
                mean += (Double(entry.expireAt - now) - mean) / n
            }
            seen += 1
            if seen >= sampleSegments { break }
        }
        return Int64(min(mean, 9.2e18))
    }
}
