/// One numbered database (`SELECT n`): keys to entries, split into fixed segments.
///
/// A `Database` is a value. Copying one is O(1) and gives a point-in-time snapshot; the
/// first write to a segment after that copies just that segment (about count/65536 keys),
/// so a snapshot never costs a stall that grows with the whole dataset.
///
/// Expired keys are removed lazily when a lookup finds them and actively by
/// `sweepExpired`. Each removal is recorded in `expiredKeys` until the caller drains it,
/// so the command layer can log the deletion as a `DEL`.
public struct Database: Sendable {
    /// Number of segments; a power of two. Small segments keep what a snapshot makes
    /// writers copy small: with 1M keys a segment holds ~15, and under a steady write load
    /// a rewrite's copies added ~10% to memory, against ~50% with 4096 segments.
    public static let segmentCount = 1 << 16
    @usableFromInline static let segmentShift = UInt64(64 - 16)

    /// Allocated on the first write so that idle databases cost nothing.
    @usableFromInline var segments = SegmentTable()
    @usableFromInline var storedCount = 0
    /// Keys per page of segments, so walks skip empty pages (256 segments) without
    /// touching them: a small database is not a walk over 65,536 segments.
    @usableFromInline var pageCounts: [Int] = []
    @usableFromInline var storedVolatileCount = 0
    @usableFromInline var expiredSinceDrain: [Key] = []
    @usableFromInline var expiredCount = 0

    /// Keys stored, including expired ones not yet removed. O(1).
    public var count: Int { storedCount }
    /// Keys with an expiry time. O(1).
    public var volatileCount: Int { storedVolatileCount }
    /// Keys removed because they expired, in order, since the last drain. O(1).
    public var expiredKeys: [Key] { expiredSinceDrain }
    /// Whether keys expired since the last drain; a cheap check for the hot path. O(1).
    @inlinable public var hasExpiredKeys: Bool { !expiredSinceDrain.isEmpty }
    /// Total keys removed by expiry since the database was created. O(1).
    public var expiredTotal: Int { expiredCount }
    /// Segment where the next active-expiry sweep starts.
    @usableFromInline var sweepCursor = 0
    /// Keys some client WATCHes, with the ids of those clients (see Database+Watch).
    @usableFromInline var watched: [Key: [Int64]] = [:]
    /// Watched keys changed since the last drain.
    @usableFromInline var touchedWatched: [Key] = []
    /// Keys blocked clients wait on, with how many wait (see Database+Blocking).
    @usableFromInline var waitedOn: [Key: Int] = [:]
    /// Waited-on keys changed since the last drain.
    @usableFromInline var readyKeys: [Key] = []
    /// Whether keys created are recorded (for the `new` keyspace notification), and those
    /// created since the last drain.
    public var recordsCreatedKeys = false
    @usableFromInline var createdKeys: [Key] = []
    /// While a rewrite holds a snapshot, reads do not note access times: a read would
    /// otherwise copy the segment it touches, as a write does (Redis, for the same reason,
    /// leaves its LRU clocks alone while a fork child runs).
    public var accessClocksFrozen = false
    /// While clients are paused (CLIENT PAUSE), an expired key a read finds is answered
    /// as absent but left in place, as Redis does: the dataset stands still.
    public var expiryHeld = false
    /// What each key's access word records: last access (LRU) or Redis's LFU frequency.
    public var accessTracking = AccessTracking.lru
    /// State of the LFU counter's coin flips.
    @usableFromInline var lfuRandom: UInt64 = 0x9E37_79B9_7F4A_7C15

    public init() {}

    @inlinable static func segmentIndex(_ key: Key) -> Int {
        Int(truncatingIfNeeded: key.hash >> segmentShift)
    }

    @inlinable mutating func allocateSegments() {
        if segments.isEmpty {
            segments = SegmentTable(count: Self.segmentCount)
            pageCounts = Array(repeating: 0, count: Self.segmentCount >> SegmentTable.pageShift)
        }
    }

    // MARK: Reading

    /// The live entry for `key`, removing it first if it has expired, and noting the
    /// access unless `touch` is false (Redis's LOOKUP_NOTOUCH: TYPE, EXISTS, TTL, OBJECT).
    /// O(1) average.
    @inlinable public mutating func lookup(_ key: Key, now: Int64, touch: Bool = true) -> Entry? {
        guard !segments.isEmpty else { return nil }
        let s = Self.segmentIndex(key)
        guard let i = segments[s].index(of: key) else { return nil }
        let entry = segments[s][position: i]
        if entry.isExpired(at: now) {
            if !expiryHeld { expire(key, segment: s) }
            return nil
        }
        if touch && !accessClocksFrozen {
            let word = accessWord(previous: segments[s].clock(at: i), now: now)
            segments[s].touch(at: i, clock: word)
        }
        return entry
    }

    /// Seconds since `key` was last read or written, or nil if it does not exist
    /// (OBJECT IDLETIME). Does not expire or touch it. O(1) average.
    public func idleSeconds(_ key: Key, now: Int64) -> Int64? {
        guard !segments.isEmpty else { return nil }
        let s = Self.segmentIndex(key)
        guard let i = segments[s].index(of: key), !segments[s][position: i].isExpired(at: now) else { return nil }
        return Int64(AccessClock.at(now) &- segments[s].clock(at: i))
    }

    /// Whether `key` holds a live entry (expiring it if due). O(1) average.
    @inlinable public mutating func contains(_ key: Key, now: Int64) -> Bool {
        lookup(key, now: now) != nil
    }

    /// The entry for `key` without expiring it, as a snapshot reader sees it. O(1) average.
    @inlinable public func peek(_ key: Key) -> Entry? {
        guard !segments.isEmpty else { return nil }
        return segments[Self.segmentIndex(key)].entry(for: key)
    }

    // MARK: Writing

    /// Stores `entry` under `key`, replacing any previous entry, accessed at `now`.
    /// O(1) average.
    @inlinable public mutating func set(_ key: Key, _ entry: Entry, now: Int64) {
        noteChange(key)
        allocateSegments()
        let s = Self.segmentIndex(key)
        let old = segments[s].store(entry, for: key, clock: accessWord(of: key, segment: s, now: now))
        if let old {
            if old.isVolatile { adjustVolatile(s, -1) }
        } else {
            adjustCount(s, 1)
            noteCreated(key)
        }
        if entry.isVolatile { adjustVolatile(s, 1) }
    }

    /// Replaces the value of an existing key and keeps its expiry; stores a new persistent
    /// key if absent. O(1) average.
    @inlinable public mutating func setKeepingTTL(_ key: Key, _ value: Value, now: Int64) {
        noteChange(key)
        allocateSegments()
        let s = Self.segmentIndex(key)
        if let index = segments[s].index(of: key) {
            segments[s][position: index].value = value
            let word = accessWord(previous: segments[s].clock(at: index), now: now)
            segments[s].touch(at: index, clock: word)
        } else {
            _ = segments[s].store(Entry(value: value), for: key, clock: accessWord(previous: nil, now: now))
            adjustCount(s, 1)
            noteCreated(key)
        }
    }

    /// Starts loading the segment that holds `key` into the cache, changing nothing: a
    /// command that knows its keys well before it touches them (a script, whose keys
    /// come with the call) overlaps the memory's latency with its other work. With random
    /// keys among 100,000, the first cache miss of INCR inside an FCALL took ~7% of the
    /// server's samples at `-P 16`; prefetched, the INCR's share fell from 17% to 13.5%,
    /// about 2% net of the reference counting the prefetch adds. (The later misses, on the
    /// segment's arrays, cannot be prefetched without reading them: the reference
    /// counting of a copy is itself the miss.) O(1).
    public func prefetch(_ key: Key) {
        guard !segments.isEmpty else { return }
        segments.prefetch(Self.segmentIndex(key))
    }

    /// Removes `key`, returning its entry (expired or not). O(1) average.
    @discardableResult
    @inlinable public mutating func remove(_ key: Key) -> Entry? {
        guard !segments.isEmpty else { return nil }
        let s = Self.segmentIndex(key)
        guard let old = segments[s].remove(key) else { return nil }
        noteChange(key)
        adjustCount(s, -1)
        if old.isVolatile { adjustVolatile(s, -1) }
        return old
    }

    /// Sets the absolute expiry of an existing key (0 removes it). Returns false if the
    /// key does not exist. O(1) average.
    @discardableResult
    @inlinable public mutating func setExpiry(_ key: Key, at time: Int64) -> Bool {
        guard !segments.isEmpty else { return false }
        let s = Self.segmentIndex(key)
        guard let index = segments[s].index(of: key) else { return false }
        noteChange(key)
        let wasVolatile = segments[s][position: index].isVolatile
        segments[s][position: index].expireAt = time
        let isVolatile = time != 0
        if wasVolatile != isVolatile { adjustVolatile(s, isVolatile ? 1 : -1) }
        return true
    }

    /// Read-modify-write with one hash-table probe: `body` gets the live entry for `key`
    /// (nil if absent or expired) and may change, create or remove it. Counts, expiry
    /// bookkeeping and the expired-key record are kept right. The entry is moved out of
    /// the table while `body` runs, so a value it mutates is uniquely owned (no copy).
    /// A caller whose body wrote calls `noteWrite(key)` (for WATCH), since only it knows.
    /// O(1) average plus the body.
    @inlinable public mutating func update<R>(_ key: Key, now: Int64, _ body: (inout Entry?) -> R) -> R {
        allocateSegments()
        let s = Self.segmentIndex(key)
        var expired = false
        var wasVolatile = false, existed = false
        var isVolatile = false, exists = false
        let word = accessWord(of: key, segment: s, now: now)
        let result: R = segments[s].withEntry(for: key, clock: word) { slot in
            if let entry = slot, entry.isExpired(at: now) {
                slot = nil
                expired = true
            }
            existed = slot != nil
            wasVolatile = slot?.isVolatile ?? false
            let r = body(&slot)
            exists = slot != nil
            isVolatile = slot?.isVolatile ?? false
            return r
        }
        if expired {
            adjustCount(s, -1)
            adjustVolatile(s, -1)
            expiredSinceDrain.append(key)
            expiredCount += 1
        }
        if existed != exists { adjustCount(s, exists ? 1 : -1) }
        if exists && !existed { noteCreated(key) }
        if wasVolatile != isVolatile { adjustVolatile(s, isVolatile ? 1 : -1) }
        if expired { noteChange(key) }
        return result
    }

    /// Removes every key. O(n) to release them.
    public mutating func removeAll() {
        for key in watched.keys where peek(key) != nil { touchedWatched.append(key) }
        segments = SegmentTable()
        storedCount = 0
        pageCounts = []
        storedVolatileCount = 0
        sweepCursor = 0
    }

    /// Hands over the keys removed by expiry since the last call. O(1).
    public mutating func drainExpiredKeys() -> [Key] {
        guard !expiredSinceDrain.isEmpty else { return [] }
        defer { expiredSinceDrain = [] }
        return expiredSinceDrain
    }

    // MARK: Internals

    @inlinable mutating func noteCreated(_ key: Key) {
        if recordsCreatedKeys { createdKeys.append(key) }
    }

    /// Hands over the keys created since the last call, in order. O(1).
    public mutating func drainCreatedKeys() -> [Key] {
        guard !createdKeys.isEmpty else { return [] }
        defer { createdKeys = [] }
        return createdKeys
    }

    @inlinable mutating func adjustCount(_ s: Int, _ delta: Int) {
        storedCount += delta
        pageCounts[s >> SegmentTable.pageShift] += delta
    }

    @inlinable mutating func adjustVolatile(_ s: Int, _ delta: Int) {
        segments[s].volatileCount += delta
        storedVolatileCount += delta
    }

    @usableFromInline mutating func expire(_ key: Key, segment s: Int) {
        if segments[s].remove(key) != nil {
            noteChange(key)
            adjustCount(s, -1)
            adjustVolatile(s, -1)
            expiredSinceDrain.append(key)
            expiredCount += 1
        }
    }
}
