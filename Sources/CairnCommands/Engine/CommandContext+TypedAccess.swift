public import CairnProtocol
public import CairnKeyspace
public import CairnConfig
public import OrderedCollections
public import DequeModule

/// A kind of value a key can hold, as the commands that work on it see it: how to find
/// it in a stored `Value` (or learn that the key holds another type: WRONGTYPE), and how
/// to store it back. Adding a type means a `Value` case, a conformance, its commands and
/// its rewrite encoding; the compiler points at every `switch` over `Value` to extend.
public protocol StoredType {
    /// The payload of `value`, or nil when `value` is of another type. O(1): shared, not copied.
    static func payload(of value: CairnKeyspace.Value) -> Self?
    /// The stored value holding this payload. O(1).
    var stored: CairnKeyspace.Value { get }
    /// Whether the key must go: Redis never keeps an empty collection.
    var isEmptyCollection: Bool { get }
    /// An empty collection, for a write that creates the key.
    static var empty: Self { get }
}

/// A hash: fields in insertion order (see `Value.hash`).
public typealias HashFields = OrderedDictionary<ByteString, ByteString>

extension OrderedDictionary where Key == ByteString, Value == ByteString {
    /// Removes a hash field. Within `limit` fields (hash-max-listpack-entries, where Redis
    /// keeps insertion order and so do HGETALL's replies) the rest keep their order, O(n);
    /// beyond it the last field fills the hole, O(1), as order is unspecified there.
    /// Either way only fields after the hole move, which is what HSCAN's walk relies on.
    mutating func removeField(_ field: ByteString, keepingOrderUpTo limit: Int) -> Bool {
        guard let i = index(forKey: field) else { return false }
        if count <= limit {
            remove(at: i)
        } else {
            let last = count - 1
            if i != last { swapAt(i, last) }
            removeLast()
        }
        return true
    }
}

extension OrderedDictionary: StoredType where Key == ByteString, Value == ByteString {
    public static func payload(of value: CairnKeyspace.Value) -> Self? {
        if case .hash(let fields) = value { return fields }
        return nil
    }
    public var stored: CairnKeyspace.Value { .hash(self) }
    public var isEmptyCollection: Bool { isEmpty }
    public static var empty: Self { [:] }
}

/// A list: elements head first (see `Value.list`).
extension Deque: StoredType where Element == ByteString {
    public static func payload(of value: CairnKeyspace.Value) -> Self? {
        if case .list(let elements) = value { return elements }
        return nil
    }
    public var stored: CairnKeyspace.Value { .list(self) }
    public var isEmptyCollection: Bool { isEmpty }
    public static var empty: Self { [] }
}

/// A set (see `Value.set`).
extension MemberSet: StoredType {
    public static func payload(of value: CairnKeyspace.Value) -> Self? {
        if case .set(let members) = value { return members }
        return nil
    }
    public var stored: CairnKeyspace.Value { .set(self) }
    public var isEmptyCollection: Bool { isEmpty }
    public static var empty: Self { MemberSet() }
}

/// A sorted set (see `Value.zset`).
extension SortedSet: StoredType {
    public static func payload(of value: CairnKeyspace.Value) -> Self? {
        if case .zset(let members) = value { return members }
        return nil
    }
    public var stored: CairnKeyspace.Value { .zset(self) }
    public var isEmptyCollection: Bool { isEmpty }
    public static var empty: Self { SortedSet() }
}

/// A stream (see `Value.stream`). Redis keeps an empty stream: it is never removed for
/// being empty.
extension Stream: StoredType {
    public static func payload(of value: CairnKeyspace.Value) -> Self? {
        if case .stream(let stream) = value { return stream }
        return nil
    }
    public var stored: CairnKeyspace.Value { .stream(self) }
    public var isEmptyCollection: Bool { false }
    public static var empty: Self { Stream() }
}

/// What a command met at a key it reads.
public enum TypedLookup<T> {
    case absent
    case found(T)
    /// The key holds another type; WRONGTYPE was replied.
    case refused
}

/// Why a write to a typed key did not happen: WRONGTYPE, or the command's own error text.
public enum WriteRefusal: Error {
    case wrongType
    case message(String)
}

/// One typed way into the keyspace for every command, as Redis pairs `lookupKeyRead`/
/// `lookupKeyWrite` with `checkType` and `signalModifiedKey`.
extension CommandContext {
    /// The value at `key` as a `T`, counting a hit or a miss; replies WRONGTYPE (and says
    /// `.refused`) when the key holds another type. O(1) average.
    public func read<T: StoredType>(_ key: Key, as type: T.Type, _ out: inout ReplyWriter) -> TypedLookup<T> {
        guard let entry = lookupRead(key) else { return .absent }
        guard let payload = T.payload(of: entry.value) else {
            out.writeError(ErrorReplies.wrongType)
            return .refused
        }
        return .found(payload)
    }

    /// The value at `key` as a `T`, an absent key read as an empty one (what every read
    /// command of a collection answers for it); nil after replying WRONGTYPE. O(1).
    public func readOrEmpty<T: StoredType>(_ key: Key, as type: T.Type, _ out: inout ReplyWriter) -> T? {
        switch read(key, as: T.self, &out) {
        case .absent: return T.empty
        case .found(let value): return value
        case .refused: return nil
        }
    }

    /// Runs `body` on the value at `key` as a `T`: created empty when absent and `create`,
    /// deleted when `body` leaves it empty, taken out of its entry while `body` runs so it
    /// is changed in place rather than copied (unless a rewrite's snapshot shares it).
    /// Returns nil when the key is absent and not created. Whoever changed something
    /// calls `signalModified(key)` afterwards: only the command knows whether it did.
    /// O(1) average plus the body.
    public func modify<T: StoredType, R>(_ key: Key, as type: T.Type, create: Bool,
                                         _ body: (inout T) -> Result<R, WriteRefusal>) -> Result<R, WriteRefusal>? {
        engine.keyspace.databases[db].update(key, now: now) { slot -> Result<R, WriteRefusal>? in
            var payload: T
            if let entry = slot {
                guard let existing = T.payload(of: entry.value) else { return .failure(.wrongType) }
                payload = existing
                // Drop the entry's reference so `payload` is the only one.
                slot?.value = .string(ByteString([]))
            } else {
                guard create else { return nil }
                payload = T.empty
            }
            let result = body(&payload)
            if payload.isEmptyCollection {
                slot = nil
            } else if slot == nil {
                slot = Entry(value: payload.stored)
            } else {
                slot?.value = payload.stored
            }
            return result
        }
    }

    /// Redis's `signalModifiedKey`: a write changed `key`, so WATCHers of it fail their EXEC
    /// (and, with blocking commands, clients waiting on it get a look). O(1).
    public func signalModified(_ key: Key) {
        engine.keyspace.databases[db].noteWrite(key)
    }

    /// `signalModified` and Redis's `notifyKeyspaceEvent` together, as Redis pairs them:
    /// `event` of class `type` on `key`; a collection the write left empty is gone, and
    /// that is a `del` too. O(1); one branch more when notifications are off.
    public func signalModified(_ key: Key, _ type: KeyspaceEvents, _ event: StaticString) {
        signalModified(key)
        guard !engine.settings.notifyKeyspaceEvents.isEmpty else { return }
        notify(type, event, key)
        if engine.keyspace.databases[db].peek(key) == nil { notify(.generic, "del", key) }
    }

    /// Replies with `outcome`'s error, if it is one; returns the value otherwise.
    public func unwrap<R>(_ outcome: Result<R, WriteRefusal>, _ out: inout ReplyWriter) -> R? {
        switch outcome {
        case .success(let value): return value
        case .failure(.wrongType): out.writeError(ErrorReplies.wrongType)
        case .failure(.message(let text)): out.writeError(text)
        }
        return nil
    }
}

extension CommandContext {
    /// `zset-max-listpack-*`: how large a sorted set stays compact.
    var zsetLimits: CompactLimits {
        CompactLimits(entries: engine.settings.zsetMaxListpackEntries, bytes: engine.settings.zsetMaxListpackValue)
    }

    /// `set-max-intset-entries` and `set-max-listpack-*`: how large a set stays compact.
    var setLimits: SetLimits {
        SetLimits(intsetEntries: engine.settings.setMaxIntsetEntries,
                  compact: CompactLimits(entries: engine.settings.setMaxListpackEntries,
                                         bytes: engine.settings.setMaxListpackValue))
    }
}
