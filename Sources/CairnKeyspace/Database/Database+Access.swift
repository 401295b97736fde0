/// How a database keeps each key's 32-bit access word, which eviction ranks keys by.
public enum AccessTracking: Sendable, Equatable {
    /// Seconds of the last access (OBJECT IDLETIME; the LRU policies).
    case lru
    /// Redis's LFU word: minutes of the last decrement in the upper 16 bits, a logarithmic
    /// access counter (0–255) in the low 8 (OBJECT FREQ; the LFU policies).
    case lfu(logFactor: Int, decayMinutes: Int)
}

/// Redis's LFU counter (evict.c): starts at 5, grows by one with probability
/// 1/((counter-5)·log-factor + 1) per access, and loses one per `decay` minutes idle.
public enum LFU {
    public static let initialCounter: UInt32 = 5

    /// Minutes modulo 2^16, as the word keeps them.
    @inlinable public static func minutes(_ nowMs: Int64) -> UInt32 {
        UInt32(truncatingIfNeeded: nowMs / 60_000) & 0xFFFF
    }

    /// The counter after the decay due since the word's last decrement. O(1).
    @inlinable public static func decayed(_ word: UInt32, nowMs: Int64, decayMinutes: Int) -> UInt32 {
        let counter = word & 0xFF
        guard decayMinutes > 0 else { return counter }
        // Any 32-bit word is read safely: one written under LRU (seconds) after a policy
        // change has more than 16 bits above the counter.
        let last = (word >> 8) & 0xFFFF, now = minutes(nowMs)
        let elapsed = now >= last ? now - last : 0xFFFF - last + now
        let periods = elapsed / UInt32(clamping: decayMinutes)
        return periods > counter ? 0 : counter - periods
    }

    /// One access's logarithmic increment; `random` is a uniform draw in [0, 1).
    @inlinable public static func incremented(_ counter: UInt32, logFactor: Int, random: Double) -> UInt32 {
        guard counter < 255 else { return 255 }
        let base = Double(counter > initialCounter ? counter - initialCounter : 0)
        let chance = 1.0 / (base * Double(logFactor) + 1.0)
        return random < chance ? counter + 1 : counter
    }
}

extension Database {
    /// The access word for a key accessed now, given its previous word (nil: a new key).
    /// O(1).
    @inlinable mutating func accessWord(previous: UInt32?, now: Int64) -> UInt32 {
        guard case .lfu(let logFactor, let decayMinutes) = accessTracking else { return AccessClock.at(now) }
        guard let previous else { return LFU.minutes(now) << 8 | LFU.initialCounter }
        // xorshift64*: cheap draws for the counter's coin flips.
        lfuRandom ^= lfuRandom >> 12
        lfuRandom ^= lfuRandom << 25
        lfuRandom ^= lfuRandom >> 27
        let draw = Double((lfuRandom &* 0x2545_F491_4F6C_DD1D) >> 11) / Double(1 << 53)
        let counter = LFU.incremented(LFU.decayed(previous, nowMs: now, decayMinutes: decayMinutes),
                                      logFactor: logFactor, random: draw)
        return LFU.minutes(now) << 8 | counter
    }

    /// The word for `key` in segment `s`, accessed now: one more probe under LFU, to
    /// continue its counter; none under LRU. O(1) average.
    @inlinable mutating func accessWord(of key: Key, segment s: Int, now: Int64) -> UInt32 {
        guard accessTracking != .lru else { return AccessClock.at(now) }
        let previous = segments[s].index(of: key).map { segments[s].clock(at: $0) }
        return accessWord(previous: previous, now: now)
    }

    /// OBJECT FREQ: `key`'s LFU counter after decay, or nil if it does not exist. O(1).
    public func frequency(_ key: Key, now: Int64) -> Int? {
        guard case .lfu(_, let decayMinutes) = accessTracking, !segments.isEmpty else { return nil }
        let s = Self.segmentIndex(key)
        guard let i = segments[s].index(of: key), !segments[s][position: i].isExpired(at: now) else { return nil }
        return Int(LFU.decayed(segments[s].clock(at: i), nowMs: now, decayMinutes: decayMinutes))
    }
}
