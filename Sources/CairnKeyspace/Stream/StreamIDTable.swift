import CCairnShims

/// A hash table from stream IDs to values, each ID stored beside its value: the lookup
/// side of `StreamIDMap` (a consumer group's pending entries, and each consumer's).
///
/// Pending lists hold hundreds of thousands of IDs and XACK finds and removes one at
/// random, so nearly every lookup is a cache miss. `Dictionary` keeps keys and values in
/// separate arrays (two misses per lookup) and hashes with SipHash; here one slot holds
/// both, found by linear probing from a keyed multiply-fold of the two halves of the ID.
/// The keys are drawn at random once per process, as Redis seeds its dictionaries' hash
/// and Go its maps', so clients choosing IDs (XADD takes explicit IDs) cannot aim them at
/// one run of slots.
///
/// Load stays at most ¾ (capacities are powers of two); removal shifts the run back
/// instead of leaving tombstones, so lookups never slow down with churn.
struct StreamIDTable<Value: Sendable>: Sendable {
    private struct Slot: Sendable {
        var id: StreamID
        var value: Value
    }

    private var slots: [Slot?] = []
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    private static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return high ^ low
    }

    @inline(__always)
    private static func hash(_ id: StreamID) -> UInt64 {
        let k = streamIDHashKeys
        return fold(fold(id.ms ^ k.0, id.seq ^ k.1) ^ k.2, 0x9E37_79B9_7F4A_7C15)
    }

    /// The slot holding `id`, or the empty slot where it would go. O(1) average.
    @inline(__always)
    private func position(of id: StreamID) -> (index: Int, found: Bool) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: Self.hash(id)) & mask
        return slots.withUnsafeBufferPointer { slots in
            while let slot = slots[i] {
                if slot.id == id { return (i, true) }
                i = (i + 1) & mask
            }
            return (i, false)
        }
    }

    /// Starts loading the slot where a lookup of `id` begins, so that a lookup soon
    /// after finds it in cache: with large pending lists that slot is a cache miss. A
    /// hint only. O(1).
    func prefetch(_ id: StreamID) {
        guard !slots.isEmpty else { return }
        let i = Int(truncatingIfNeeded: Self.hash(id)) & (slots.count - 1)
        slots.withUnsafeBufferPointer { slots in
            if let base = slots.baseAddress { cairn_prefetch(base + i) }
        }
    }

    /// The value of `id`, or nil. O(1) average.
    subscript(id: StreamID) -> Value? {
        guard count > 0 else { return nil }
        let (i, found) = position(of: id)
        return found ? slots[i]?.value : nil
    }

    /// Sets the value of `id`, returning the one it replaced. O(1) amortised.
    @discardableResult
    mutating func updateValue(_ value: Value, forKey id: StreamID) -> Value? {
        if (count + 1) * 4 > slots.count * 3 { resize(to: Swift.max(8, slots.count * 2)) }
        let (i, found) = position(of: id)
        if found {
            let old = slots[i]?.value
            slots[i]?.value = value
            return old
        }
        slots[i] = Slot(id: id, value: value)
        count += 1
        return nil
    }

    /// Removes `id`, returning its value. O(1) average.
    @discardableResult
    mutating func removeValue(forKey id: StreamID) -> Value? {
        guard count > 0 else { return nil }
        let (found, wasFound) = position(of: id)
        guard wasFound else { return nil }
        let old = slots[found]?.value
        // Backward shift: later members of the run whose home is at or before the hole
        // move into it, so no lookup ever has to step over a removed slot.
        let mask = slots.count - 1
        var hole = found
        var next = (hole + 1) & mask
        while let slot = slots[next] {
            let home = Int(truncatingIfNeeded: Self.hash(slot.id)) & mask
            // `slot` may fill the hole unless its home lies cyclically in (hole, next].
            let homeAfterHole = (home &- hole) & mask
            let nextAfterHole = (next &- hole) & mask
            if homeAfterHole == 0 || homeAfterHole > nextAfterHole {
                slots[hole] = slot
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = nil
        count -= 1
        if slots.count > 64 && count * 8 < slots.count { resize(to: slots.count / 2) }
        return old
    }

    /// Every ID present, in no particular order. O(capacity).
    var ids: [StreamID] {
        var result: [StreamID] = []
        result.reserveCapacity(count)
        for case let slot? in slots { result.append(slot.id) }
        return result
    }

    private mutating func resize(to capacity: Int) {
        let old = slots
        slots = Array(repeating: nil, count: capacity)
        count = 0
        for case let slot? in old {
            let (i, _) = position(of: slot.id)
            slots[i] = slot
            count += 1
        }
    }
}

/// Drawn once per process from the system's random source (see `StreamIDTable`).
private let streamIDHashKeys: (UInt64, UInt64, UInt64) = {
    var generator = SystemRandomNumberGenerator()
    return (generator.next() | 1, generator.next(), generator.next())
}()

extension StreamIDTable: Equatable where Value: Equatable {
    /// The same IDs with the same values. O(n).
    static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        for case let slot? in a.slots where b[slot.id] != slot.value { return false }
        return true
    }
}
