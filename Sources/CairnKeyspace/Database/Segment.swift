/// One slice of a database: its keys with their entries and access words, plus the number
/// of its keys with an expiry.
///
/// Segments are what copy-on-write copies after a snapshot, so their size bounds the
/// stall a writer can see while a background rewrite holds a snapshot.
///
/// Each key lives in one `Slot` (name, entry and access word side by side) in one dense
/// array, so a command that reads or writes a key touches one cache line of the segment
/// besides the segment itself — with separate arrays for names, entries and access words
/// it touched three, and with random keys each was a cache miss (a third of INCR's CPU at
/// `-P 16`, measured). Up to `scanLimit` keys are found by scanning their hashes; beyond
/// that, an open-addressed table of 16-bit positions keyed by the key's hash finds them.
/// Removal moves the last slot into the hole, so the order inside a segment is arbitrary
/// and every operation stays O(1).
@usableFromInline
struct Segment: Sendable {
    @usableFromInline var slots: ContiguousArray<Slot> = []
    /// Position + 1 of each key by the low bits of its hash (0: empty), linear probing,
    /// at most three quarters full; empty while the segment is small enough to scan.
    @usableFromInline var buckets: ContiguousArray<UInt16> = []
    @usableFromInline var volatileCount = 0

    /// Up to this many keys a lookup compares hashes one by one (a few cache lines).
    @usableFromInline static let scanLimit = 8
    /// Positions are stored in 16 bits; a segment larger than this (which would take
    /// billions of keys in the database) is scanned instead of indexed.
    @usableFromInline static let indexLimit = Int(UInt16.max) - 1

    @usableFromInline init() {}

    /// Keys in the segment. O(1).
    @inlinable var count: Int { slots.count }
    @inlinable var isEmpty: Bool { slots.isEmpty }

    // MARK: Finding

    /// The position of `key`, or nil. O(1) average.
    @inlinable func index(of key: Key) -> Int? {
        if buckets.isEmpty {
            return slots.withUnsafeBufferPointer { slots in
                for i in slots.indices where slots[i].key == key {
                    return i
                }
                return nil
            }
        }
        let mask = buckets.count - 1
        var b = Int(truncatingIfNeeded: key.hash) & mask
        while true {
            let stored = Int(buckets[b])
            if stored == 0 { return nil }
            if slots[stored - 1].key == key { return stored - 1 }
            b = (b + 1) & mask
        }
    }

    /// The entry for `key`, or nil. O(1) average.
    @inlinable func entry(for key: Key) -> Entry? {
        index(of: key).map { slots[$0].entry }
    }

    /// The entry at position `i` (from `index(of:)`), read or changed in place. O(1).
    @inlinable subscript(position i: Int) -> Entry {
        get { slots[i].entry }
        _modify { yield &slots[i].entry }
    }

    /// The key at position `i`. O(1).
    @inlinable func key(at i: Int) -> Key { slots[i].key }

    /// The access word of the key at position `i` (see `AccessClock`, LFU). O(1).
    @inlinable func clock(at i: Int) -> UInt32 { slots[i].clock }

    // MARK: Changing

    /// Stores `entry`, returning the entry it replaced. O(1) amortised.
    @inlinable mutating func store(_ entry: Entry, for key: Key, clock: UInt32) -> Entry? {
        if let i = index(of: key) {
            let old = slots[i].entry
            slots[i].entry = entry
            slots[i].clock = clock
            return old
        }
        insert(Slot(key: key, entry: entry, clock: clock))
        return nil
    }

    /// Notes an access to the key at position `i`. O(1).
    @inlinable mutating func touch(at i: Int, clock: UInt32) { slots[i].clock = clock }

    /// Removes `key`, returning its entry. O(1) average.
    @inlinable mutating func remove(_ key: Key) -> Entry? {
        guard let i = index(of: key) else { return nil }
        return remove(at: i)
    }

    /// Removes the entry at position `i`: the last slot fills the hole. O(1) average.
    @inlinable mutating func remove(at i: Int) -> Entry {
        let last = slots.count - 1
        if !buckets.isEmpty {
            unindex(position: i)
            if i != last { reindex(from: last, to: i) }
        }
        if i != last { slots.swapAt(i, last) }
        let removed = slots.removeLast().entry
        if !buckets.isEmpty {
            if slots.count <= Self.scanLimit {
                buckets = []
            } else if buckets.count > 16 && slots.count * 8 < buckets.count {
                // Mostly empty after many removals: a table sized for what is left.
                rebuildIndex()
            }
        }
        return removed
    }

    /// Calls `body` with the entry for `key` (nil if absent) moved out of the segment, so
    /// a value it mutates is uniquely owned; stores what `body` leaves (removing the key
    /// for nil) with access word `clock`. O(1) average plus the body.
    @inlinable mutating func withEntry<R>(for key: Key, clock: UInt32, _ body: (inout Entry?) -> R) -> R {
        guard let i = index(of: key) else {
            var slot: Entry? = nil
            let r = body(&slot)
            if let slot { insert(Slot(key: key, entry: slot, clock: clock)) }
            return r
        }
        var slot: Entry? = slots[i].entry
        slots[i].entry = Entry.placeholder
        let r = body(&slot)
        if let slot {
            slots[i].entry = slot
            slots[i].clock = clock
        } else {
            _ = remove(at: i)
        }
        return r
    }

    // MARK: The position table

    /// Appends a key known to be absent. O(1) amortised.
    @inlinable mutating func insert(_ slot: Slot) {
        slots.append(slot)
        let count = slots.count
        guard count > Self.scanLimit, count <= Self.indexLimit else {
            if !buckets.isEmpty { buckets = [] }
            return
        }
        if buckets.isEmpty || count * 4 > buckets.count * 3 {
            rebuildIndex()
        } else {
            place(position: count - 1)
        }
    }

    /// A table for the current keys, at most half full. O(keys).
    @usableFromInline mutating func rebuildIndex() {
        var capacity = 16
        while capacity < slots.count * 2 { capacity <<= 1 }
        buckets = ContiguousArray(repeating: 0, count: capacity)
        for p in slots.indices { place(position: p) }
    }

    /// Records position `p` in the first free bucket from its key's home. O(1) average.
    @usableFromInline mutating func place(position p: Int) {
        let mask = buckets.count - 1
        var b = Int(truncatingIfNeeded: slots[p].key.hash) & mask
        while buckets[b] != 0 { b = (b + 1) & mask }
        buckets[b] = UInt16(truncatingIfNeeded: p + 1)
    }

    /// The bucket holding position `p`. O(1) average.
    @usableFromInline func bucket(of p: Int) -> Int {
        let mask = buckets.count - 1
        var b = Int(truncatingIfNeeded: slots[p].key.hash) & mask
        while Int(buckets[b]) != p + 1 { b = (b + 1) & mask }
        return b
    }

    /// Forgets position `p`, shifting later keys of its probe run back so that no lookup
    /// stops early at the hole (linear probing's deletion without tombstones). O(1) average.
    @usableFromInline mutating func unindex(position p: Int) {
        let mask = buckets.count - 1
        var hole = bucket(of: p)
        var j = (hole + 1) & mask
        while buckets[j] != 0 {
            let home = Int(truncatingIfNeeded: slots[Int(buckets[j]) - 1].key.hash) & mask
            // The key at j may fill the hole unless its home lies after the hole (cyclically).
            if (j &- home) & mask >= (j &- hole) & mask {
                buckets[hole] = buckets[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        buckets[hole] = 0
    }

    /// The key at position `from` moves to position `to`. O(1) average.
    @usableFromInline mutating func reindex(from: Int, to: Int) {
        buckets[bucket(of: from)] = UInt16(truncatingIfNeeded: to + 1)
    }
}

/// A key, its entry and its access word, stored together.
@usableFromInline
struct Slot: Sendable {
    @usableFromInline var key: Key
    @usableFromInline var entry: Entry
    /// When the key was last read or written (`AccessClock`), or its LFU word.
    @usableFromInline var clock: UInt32

    @inlinable init(key: Key, entry: Entry, clock: UInt32) {
        self.key = key
        self.entry = entry
        self.clock = clock
    }
}

extension Segment: Sequence {
    /// The keys and entries, in the segment's (arbitrary) order.
    @usableFromInline struct Iterator: IteratorProtocol {
        @usableFromInline var slots: ContiguousArray<Slot>.Iterator

        @inlinable init(_ slots: ContiguousArray<Slot>) { self.slots = slots.makeIterator() }

        @inlinable mutating func next() -> (key: Key, value: Entry)? {
            slots.next().map { ($0.key, $0.entry) }
        }
    }

    @inlinable func makeIterator() -> Iterator { Iterator(slots) }
    @inlinable var underestimatedCount: Int { slots.count }
}

/// Seconds since the Unix epoch in 32 bits, as each key's last access is kept: wraps in
/// 2106, and differences are taken modulo 2^32, so an idle time stays right across the wrap
/// (Redis keeps 24 bits of seconds for the same purpose).
public enum AccessClock {
    @inlinable public static func at(_ nowMs: Int64) -> UInt32 {
        UInt32(truncatingIfNeeded: nowMs / 1000)
    }
}

extension Entry {
    /// What a slot holds while its entry is moved out: no allocation, never observed.
    @usableFromInline static let placeholder = Entry(value: .string(ByteString()))
}

extension Segment {
    /// Whether every key is found at its own position and the position table holds
    /// exactly the keys (for tests and fuzzers). O(keys).
    var indexIsConsistent: Bool {
        let indexed = buckets.lazy.filter { $0 != 0 }.count
        guard buckets.isEmpty ? count <= Self.scanLimit || count > Self.indexLimit : indexed == count else { return false }
        return slots.indices.allSatisfy { index(of: slots[$0].key) == $0 }
    }
}
