/// The arguments of one request, stored back to back in one reusable byte arena.
///
/// A connection keeps one `Arguments` for its whole life and refills it for every
/// command, so decoding a request allocates nothing once the arena has grown to the
/// connection's working size. Commands read arguments through the accessors below and
/// copy only what they keep (keys and values stored in the keyspace).
public struct Arguments: Sendable {
    /// Every argument's bytes, concatenated, in `arena[..<usedBytes]`; what lies beyond
    /// is storage kept from earlier requests.
    @usableFromInline var arena: [UInt8] = []
    /// `ends[i]` is the offset in `arena` one past the last byte of argument `i`, for
    /// `i < used`; later entries are stale.
    @usableFromInline var ends: [Int] = []
    /// Arguments held, and the bytes they take. Emptying sets these to 0 and leaves the
    /// arrays as they are, so a connection's next request reuses them without a copy.
    @usableFromInline var used = 0
    @usableFromInline var usedBytes = 0

    public init() {
        arena.reserveCapacity(256)
        ends.reserveCapacity(8)
    }

    /// Builds arguments from byte strings; convenient in tests and internal re-dispatch.
    public init(_ parts: [[UInt8]]) {
        self.init()
        for part in parts { append(part) }
    }

    /// Builds arguments from Swift strings (UTF-8).
    public init(strings: [String]) {
        self.init(strings.map { Array($0.utf8) })
    }

    /// Number of arguments, the command name included. O(1).
    @inlinable public var count: Int { used }

    @inlinable public var isEmpty: Bool { used == 0 }

    /// Total bytes held by the arguments. O(1).
    @inlinable public var byteCount: Int { usedBytes }

    /// Largest arena kept between requests; one huge request must not pin its memory.
    public static let retainedCapacity = 64 * 1024

    /// Forgets every argument, keeping the storage unless it grew past `retainedCapacity`.
    /// O(1).
    @inlinable public mutating func removeAll() {
        if arena.count > Self.retainedCapacity {
            arena = []
            arena.reserveCapacity(256)
        }
        if ends.count > 1024 { ends = [] }
        used = 0
        usedBytes = 0
    }

    /// Appends one argument. Amortised O(n) in its length.
    @inlinable public mutating func append(_ bytes: some Collection<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0)) }) != nil { return }
        append(Array(bytes))
    }

    /// Appends one argument from raw memory. Amortised O(n) in its length.
    @inlinable public mutating func append(_ raw: UnsafeRawBufferPointer) {
        let start = usedBytes
        let end = start + raw.count
        // Bytes kept from earlier requests are overwritten; the rest is appended.
        let overwritten = min(arena.count - start, raw.count)
        if overwritten > 0 {
            arena.withUnsafeMutableBytes { storage in
                UnsafeMutableRawBufferPointer(rebasing: storage[start..<start + overwritten])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[..<overwritten]))
            }
        }
        if overwritten < raw.count {
            arena.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[overwritten...]))
        }
        usedBytes = end
        if used < ends.count {
            ends[used] = end
        } else {
            ends.append(end)
        }
        used += 1
    }

    /// Byte range of argument `i` inside the arena. O(1).
    @inlinable func range(_ i: Int) -> Range<Int> {
        precondition(i >= 0 && i < used, "Arguments: index out of range")
        return (i == 0 ? 0 : ends[i - 1])..<ends[i]
    }

    /// Length in bytes of argument `i`. O(1).
    @inlinable public func length(_ i: Int) -> Int {
        range(i).count
    }

    /// Argument `i` as a slice sharing the arena's storage. O(1).
    @inlinable public subscript(_ i: Int) -> ArraySlice<UInt8> {
        arena[range(i)]
    }

    /// Argument `i` copied into its own array. O(n).
    @inlinable public func bytes(_ i: Int) -> [UInt8] {
        Array(arena[range(i)])
    }

    /// Argument `i` decoded as UTF-8 (invalid sequences repaired). O(n).
    public func string(_ i: Int) -> String {
        String(decoding: arena[range(i)], as: UTF8.self)
    }

    /// Calls `body` with the raw bytes of argument `i`. O(1) plus the body.
    @inlinable public func withUnsafeBytes<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let r = range(i)
        return try arena.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[r]))
        }
    }

    /// Whether argument `i` equals `word` ignoring ASCII case; `word` must be lowercase. O(n).
    @inlinable public func equals(_ i: Int, lowercase word: StaticString) -> Bool {
        let r = range(i)
        guard r.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        var j = 0
        for k in r {
            var c = arena[k]
            if c >= 65 && c <= 90 { c |= 0x20 }
            if c != w[j] { return false }
            j += 1
        }
        return true
    }

    /// Argument `i` parsed as a signed 64-bit integer with Redis's strict rules
    /// (no spaces, no `+`, no leading zeros), or nil. O(n).
    @inlinable public func int64(_ i: Int) -> Int64? {
        withUnsafeBytes(i) { parseStrictInt64($0) }
    }

    /// All arguments as separate arrays. O(total length).
    public var all: [[UInt8]] {
        (0..<count).map { bytes($0) }
    }
}
