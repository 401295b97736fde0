public import OrderedCollections

/// One slice of a database: its keys and entries, plus the number of its keys with an
/// expiry.
///
/// Segments are what copy-on-write copies after a snapshot, so their size bounds the
/// stall a writer can see while a background rewrite holds a snapshot.
///
/// The entries are kept dense (`OrderedDictionary`: keys and entries in two arrays, and
/// a hash table of small bit-packed positions, none at all up to 15 keys) rather than
/// in a `Dictionary`, whose slots hold the whole key and entry and are a quarter to
/// five-eighths empty. With 1,000,000 string keys that was ~60 bytes per key; the dense
/// form wastes only the arrays' growth room. Removal moves the last entry into the hole,
/// so the order inside a segment is arbitrary and every operation stays O(1).
@usableFromInline
struct Segment: Sendable {
    @usableFromInline var entries: OrderedDictionary<Key, Entry> = [:]
    /// When each key was last read or written, in seconds (`AccessClock`), at the same
    /// positions as `entries`: OBJECT IDLETIME's answer. Kept apart from the entries so a
    /// key costs 4 bytes for it rather than 8 of padding.
    @usableFromInline var clocks: [UInt32] = []
    @usableFromInline var volatileCount = 0

    @usableFromInline init() {}

    /// The position of `key`, or nil. O(1) average (a scan of at most 15 keys when small).
    @inlinable func index(of key: Key) -> Int? { entries.index(forKey: key) }

    /// The entry for `key`, or nil. O(1) average.
    @inlinable func entry(for key: Key) -> Entry? { entries[key] }

    /// The entry at position `i` (from `index(of:)`), read or changed in place. O(1).
    @inlinable subscript(position i: Int) -> Entry {
        get { entries.values[i] }
        _modify { yield &entries.values[i] }
    }

    /// Stores `entry`, returning the entry it replaced. O(1) amortised.
    @inlinable mutating func store(_ entry: Entry, for key: Key, clock: UInt32) -> Entry? {
        let (old, i) = entries.updateValue(entry, forKey: key, insertingAt: entries.count)
        if old == nil { clocks.append(clock) } else { clocks[i] = clock }
        return old
    }

    /// Notes an access to the key at position `i`. O(1).
    @inlinable mutating func touch(at i: Int, clock: UInt32) { clocks[i] = clock }

    /// Removes `key`, returning its entry. O(1) average: the last entry fills the hole.
    @inlinable mutating func remove(_ key: Key) -> Entry? {
        guard let i = entries.index(forKey: key) else { return nil }
        return remove(at: i)
    }

    /// Removes the entry at position `i`. O(1) average.
    @inlinable mutating func remove(at i: Int) -> Entry {
        let last = entries.count - 1
        if i != last {
            entries.swapAt(i, last)
            clocks.swapAt(i, last)
        }
        clocks.removeLast()
        return entries.removeLast().value
    }

    /// Calls `body` with the entry for `key` (nil if absent) moved out of the segment, so
    /// a value it mutates is uniquely owned; stores what `body` leaves (removing the key
    /// for nil). O(1) average plus the body.
    @inlinable mutating func withEntry<R>(for key: Key, clock: UInt32, _ body: (inout Entry?) -> R) -> R {
        guard let i = entries.index(forKey: key) else {
            var slot: Entry? = nil
            let r = body(&slot)
            if let slot {
                entries.updateValue(slot, forKey: key)
                clocks.append(clock)
            }
            return r
        }
        var slot: Entry? = entries.values[i]
        entries.values[i] = Entry.placeholder
        let r = body(&slot)
        if let slot {
            entries.values[i] = slot
            clocks[i] = clock
        } else {
            _ = remove(at: i)
        }
        return r
    }
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
