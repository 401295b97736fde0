/// A set's members: a dictionary from member to its position in a dense array, so that
/// add, remove and membership are O(1), and so are a random member (SPOP, SRANDMEMBER)
/// and a resumable scan (SSCAN) — which Swift's `Set` gives in O(n) or not at all.
///
/// Removal moves the last member into the hole. SSCAN walks positions from the end
/// towards the start, so a member present for the whole scan is returned at least once:
/// the only member that ever moves is the last one, from the part already walked.
public struct MemberSet: Sendable, Equatable, Sequence {
    @usableFromInline var positions: [ByteString: Int] = [:]
    @usableFromInline var members: [ByteString] = []

    public init() {}

    public init(_ elements: some Sequence<ByteString>) {
        for element in elements { insert(element) }
    }

    /// O(1).
    @inlinable public var count: Int { members.count }
    /// O(1).
    @inlinable public var isEmpty: Bool { members.isEmpty }

    /// O(1) average.
    @inlinable public func contains(_ member: ByteString) -> Bool { positions[member] != nil }

    /// Adds `member`; returns whether it was new. O(1) amortised.
    @inlinable @discardableResult
    public mutating func insert(_ member: ByteString) -> Bool {
        guard positions[member] == nil else { return false }
        positions[member] = members.count
        members.append(member)
        return true
    }

    /// Removes `member`; returns whether it was there. O(1) average.
    @inlinable @discardableResult
    public mutating func remove(_ member: ByteString) -> Bool {
        guard let at = positions.removeValue(forKey: member) else { return false }
        let last = members.removeLast()
        if at < members.count {
            members[at] = last
            positions[last] = at
        }
        return true
    }

    /// The member at `position` (0 ..< count), for random picks and scans. O(1).
    @inlinable public func member(at position: Int) -> ByteString { members[position] }

    public func makeIterator() -> IndexingIterator<[ByteString]> { members.makeIterator() }

    /// Equal when they hold the same members, in whatever positions.
    public static func == (lhs: MemberSet, rhs: MemberSet) -> Bool {
        lhs.count == rhs.count && lhs.members.allSatisfy(rhs.contains)
    }
}
