/// A set's members, in one of the layouts Redis 7.0 uses for the same contents:
///
/// - `intset`: every member a canonical 64-bit integer and at most `set-max-intset-entries`
///   (512) of them, kept sorted by value — membership by binary search, O(log n); insert
///   and remove shift, O(n), as Redis's intset. SMEMBERS then answers in Redis's order.
/// - otherwise a dense array of members in no particular order, plus — once the set
///   outgrows `SetLimits.compact` (128 members of at most 64 bytes by default) — a
///   dictionary from member to position, so add, remove and membership are O(1) (a scan
///   below it), and so are a random member (SPOP, SRANDMEMBER) and a resumable scan (SSCAN).
///
/// Leaving `intset` is one-way, as in Redis. Outside it, removal moves the last member
/// into the hole; SSCAN walks positions from the end towards the start, so a member
/// present for the whole scan is returned at least once: the only member that ever moves
/// is the last one, from the part already walked.
public struct MemberSet: Sendable, Equatable, Sequence {
    /// Redis's names for the two encodings (OBJECT ENCODING).
    public enum Encoding: Sendable { case intset, hashtable }

    @usableFromInline enum Layout: Sendable {
        case intset
        case scan
        case hashed([ByteString: Int])
    }

    @usableFromInline var layout = Layout.intset
    @usableFromInline var members: [ByteString] = []

    public init() {}

    public init(_ elements: some Sequence<ByteString>, limits: SetLimits = .redisDefault) {
        for element in elements { insert(element, limits: limits) }
    }

    /// O(1).
    @inlinable public var count: Int { members.count }
    /// O(1).
    @inlinable public var isEmpty: Bool { members.isEmpty }

    /// O(1).
    public var encoding: Encoding {
        if case .intset = layout { return .intset }
        return .hashtable
    }

    /// O(1) average; O(log n) as an intset; O(n) while within `SetLimits.compact`.
    public func contains(_ member: ByteString) -> Bool {
        switch layout {
        case .intset:
            guard let value = member.canonicalInt64 else { return false }
            return intsetSearch(value).found
        case .scan: return members.contains(member)
        case .hashed(let positions): return positions[member] != nil
        }
    }

    /// Adds `member`; returns whether it was new. Leaves the intset layout when `member`
    /// is not an integer or the set would exceed `limits.intsetEntries`, and adds the
    /// member index once it outgrows `limits.compact`. O(1) amortised; O(n) as an intset
    /// or while compact.
    @discardableResult
    public mutating func insert(_ member: ByteString, limits: SetLimits = .redisDefault) -> Bool {
        if case .intset = layout {
            if let value = member.canonicalInt64 {
                let (found, at) = intsetSearch(value)
                if found { return false }
                if members.count < limits.intsetEntries {
                    members.insert(member, at: at)
                    return true
                }
            }
            // Integers are at most 20 bytes; only the count can have outgrown the limits.
            layout = limits.compact.admits(count: members.count, length: 0) ? .scan : .hashed(positionsOfMembers())
        }
        switch layout {
        case .intset, .scan:
            if members.contains(member) { return false }
            members.append(member)
            if !limits.compact.admits(count: members.count, length: member.count) {
                layout = .hashed(positionsOfMembers())
            }
        case .hashed(var positions):
            layout = .scan  // drop the enum's reference so the dictionary mutates in place
            defer { layout = .hashed(positions) }
            // One hash lookup: an absent member's slot is created holding `count`.
            let position = members.count
            var isNew = false
            Self.claim(&positions[member, default: position]) { isNew = $0 == position }
            guard isNew else { return false }
            members.append(member)
        }
        return true
    }

    /// Removes `member`; returns whether it was there. O(1) average; O(n) as an intset or
    /// while compact.
    @discardableResult
    public mutating func remove(_ member: ByteString) -> Bool {
        switch layout {
        case .intset:
            guard let value = member.canonicalInt64 else { return false }
            let (found, at) = intsetSearch(value)
            if found { members.remove(at: at) }
            return found
        case .scan:
            guard let at = members.firstIndex(of: member) else { return false }
            let last = members.removeLast()
            if at < members.count { members[at] = last }
            return true
        case .hashed(var positions):
            layout = .scan
            defer { layout = .hashed(positions) }
            guard let at = positions.removeValue(forKey: member) else { return false }
            let last = members.removeLast()
            if at < members.count {
                members[at] = last
                positions[last] = at
            }
            return true
        }
    }

    /// The member at `position` (0 ..< count), for random picks and scans. O(1).
    @inlinable public func member(at position: Int) -> ByteString { members[position] }

    public func makeIterator() -> IndexingIterator<[ByteString]> { members.makeIterator() }

    /// Equal when they hold the same members, in whatever positions and layout.
    public static func == (lhs: MemberSet, rhs: MemberSet) -> Bool {
        lhs.count == rhs.count && lhs.members.allSatisfy(rhs.contains)
    }

    // MARK: Internals

    /// Reads a dictionary slot through `_modify`, so probing and inserting are one lookup.
    @inline(__always) static func claim(_ slot: inout Int, _ body: (Int) -> Void) { body(slot) }

    /// Where `value` is or would go among the (sorted) intset members. O(log n).
    func intsetSearch(_ value: Int64) -> (found: Bool, at: Int) {
        var lo = 0, hi = members.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let current = members[mid].canonicalInt64 ?? .min
            if current == value { return (true, mid) }
            if current < value { lo = mid + 1 } else { hi = mid }
        }
        return (false, lo)
    }

    func positionsOfMembers() -> [ByteString: Int] {
        var positions: [ByteString: Int] = [:]
        positions.reserveCapacity(members.count)
        for (i, member) in members.enumerated() { positions[member] = i }
        return positions
    }
}

/// What keeps a set in its compact layouts: Redis's `set-max-intset-entries` (512) for
/// the intset, and Redis 7.2's `set-max-listpack-*` (128 members, 64 bytes) for sets
/// kept without a member index.
public struct SetLimits: Sendable, Equatable {
    public var intsetEntries: Int
    public var compact: CompactLimits

    public init(intsetEntries: Int, compact: CompactLimits) {
        self.intsetEntries = intsetEntries
        self.compact = compact
    }

    public static let redisDefault = SetLimits(intsetEntries: 512, compact: CompactLimits(entries: 128, bytes: 64))
}

extension ByteString {
    /// The value if these bytes are an integer exactly as Redis writes one (optional `-`,
    /// no leading zeros, no `-0`, within Int64), the test Redis uses for its intset and
    /// `int` encodings; otherwise nil. O(n), n ≤ 20.
    public var canonicalInt64: Int64? {
        let n = count
        guard n > 0, n <= 20 else { return nil }
        return withUnsafeBytes { raw -> Int64? in
            var i = 0
            let negative = raw[0] == UInt8(ascii: "-")
            if negative { i = 1 }
            guard i < n else { return nil }
            if raw[i] == UInt8(ascii: "0") { return n == 1 ? 0 : nil }
            var magnitude: UInt64 = 0
            while i < n {
                let d = raw[i] &- UInt8(ascii: "0")
                guard d <= 9 else { return nil }
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(d))
                guard !o1, !o2 else { return nil }
                magnitude = s
                i += 1
            }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
                return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else { return nil }
            return Int64(magnitude)
        }
    }
}
