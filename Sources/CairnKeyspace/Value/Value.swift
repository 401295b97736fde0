public import OrderedCollections
public import DequeModule

/// The type of a stored value, as `TYPE` names it. Every type Redis has is listed so that
/// type checks (WRONGTYPE) are written once, against this, for all commands.
public enum ValueType: String, Sendable, CaseIterable {
    case string, list, set, zset, hash, stream
}

/// A stored value. Each case holds a value type, so a copy of the keyspace is a
/// consistent snapshot and can be handed to another thread (`Sendable`).
/// Collection types join this enum as their commands are built.
public enum Value: Sendable, Equatable {
    case string(ByteString)
    /// Fields and their values in insertion order: Redis answers small hashes (up to
    /// `hash-max-listpack-entries`, 128) in that order, and order is kept on delete.
    case hash(OrderedDictionary<ByteString, ByteString>)
    /// Elements head first: O(1) push and pop at both ends, O(1) access by index.
    case list(Deque<ByteString>)
    /// Members in no particular order (Redis 7.0 promises none either).
    case set(MemberSet)
    /// Members ordered by score, then by member.
    case zset(SortedSet)
    /// Entries in ID order (boxed: a stream's metadata would make every `Value` larger).
    indirect case stream(Stream)

    public var type: ValueType {
        switch self {
        case .string: return .string
        case .hash: return .hash
        case .list: return .list
        case .set: return .set
        case .zset: return .zset
        case .stream: return .stream
        }
    }
}

/// A value and its absolute expiry time in Unix milliseconds (0: never expires).
public struct Entry: Sendable, Equatable {
    public var value: Value
    public var expireAt: Int64

    @inlinable public init(value: Value, expireAt: Int64 = 0) {
        self.value = value
        self.expireAt = expireAt
    }

    @inlinable public var isVolatile: Bool { expireAt != 0 }

    /// Whether the entry is expired at `now` (Unix ms).
    @inlinable public func isExpired(at now: Int64) -> Bool {
        expireAt != 0 && expireAt <= now
    }
}
