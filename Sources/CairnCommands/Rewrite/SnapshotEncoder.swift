public import NIOCore
public import CairnKeyspace
import CairnProtocol
import OrderedCollections
import DequeModule

/// Turns a keyspace snapshot into the commands that rebuild it: the body of a base file.
///
/// Each database that has keys starts with `SELECT n`; each live key becomes one command
/// (`SET key value`, with `PXAT <ms>` when it expires) or, for a hash, `HSET` commands of
/// up to 64 field-value pairs each (Redis's AOF_REWRITE_ITEMS_PER_CMD), in the hash's
/// order, then `PEXPIREAT key <ms>` when it expires. Expired keys are skipped. Output
/// comes in chunks of about `chunkSize` bytes, each to be written as one checksummed
/// batch; a large hash may span chunks, a chunk boundary falling between its commands.
public struct SnapshotEncoder {
    public static let chunkSize = 64 * 1024
    /// Elements (hash field-value pairs) per command, as Redis writes them.
    public static let itemsPerCommand = 64

    public private(set) var keysWritten = 0

    public init() {}

    /// Encodes `snapshot`, calling `emit` with each full chunk; consumes the snapshot
    /// segment by segment so its memory is released as it goes. Function libraries come
    /// first, one `FUNCTION LOAD` each, as in Redis's rewrite. O(keys).
    /// `walk`, when given, is advanced past each segment as it is released.
    public mutating func encode(_ snapshot: consuming Keyspace, functionLibraries: [[UInt8]] = [], now: Int64,
                                walk: SnapshotWalk? = nil, emit: (ByteBuffer) throws -> Void) rethrows {
        var keyspace = consume snapshot
        var chunk = ByteBufferAllocator().buffer(capacity: Self.chunkSize + 1024)
        for code in functionLibraries {
            chunk.writeArrayHeader(3)
            chunk.writeBulk("FUNCTION".utf8)
            chunk.writeBulk("LOAD".utf8)
            chunk.writeBulk(code)
        }
        for db in keyspace.databases.indices where keyspace.databases[db].count > 0 {
            chunk.writeArrayHeader(2)
            chunk.writeBulk("SELECT".utf8)
            chunk.writeBulkDecimal(Int64(db))
            walk?.passed(database: db, segment: 0)
            for s in 0..<Database.segmentCount {
                defer { walk?.passed(database: db, segment: s + 1) }
                try keyspace.databases[db].takeSegment(s) { key, entry in
                    guard !entry.isExpired(at: now) else { return }
                    keysWritten += 1
                    var position: Int? = 0
                    while let from = position {
                        position = Self.append(key, entry, from: from, to: &chunk)
                        if chunk.readableBytes >= Self.chunkSize {
                            try emit(chunk)
                            chunk.clear()
                        }
                    }
                }
            }
        }
        walk?.passed(database: keyspace.databases.count, segment: 0)
        if chunk.readableBytes > 0 { try emit(chunk) }
    }

    /// The next command of `key`'s rebuild, starting at element `position` (0 first);
    /// returns where the following command starts, or nil once the key is complete. A
    /// string is one SET, reserved and written in one step (this is most of a rewrite's
    /// CPU); a hash is one HSET per `itemsPerCommand` pairs. O(what it writes).
    static func append(_ key: Key, _ entry: Entry, from position: Int, to out: inout ByteBuffer) -> Int? {
        switch entry.value {
        case .string(let value):
            key.withUnsafeBytes { key in
                value.withUnsafeBytes { value in
                    var keyLength = DecimalDigits(Int64(key.count))
                    var valueLength = DecimalDigits(Int64(value.count))
                    var size = setHeader.utf8CodeUnitCount
                        &+ RESPCursor.bulkSize(length: key.count, digits: keyLength.count)
                        &+ RESPCursor.bulkSize(length: value.count, digits: valueLength.count)
                    var expiry = DecimalDigits(entry.expireAt)
                    var expiryLength = DecimalDigits(Int64(expiry.count))
                    if entry.isVolatile {
                        size &+= pxat.utf8CodeUnitCount
                            &+ RESPCursor.bulkSize(length: expiry.count, digits: expiryLength.count)
                    }
                    out.writeRESP(reserving: size) { cursor in
                        cursor.write(entry.isVolatile ? setHeaderWithExpiry : setHeader)
                        cursor.writeBulk(key, length: &keyLength)
                        cursor.writeBulk(value, length: &valueLength)
                        if entry.isVolatile {
                            cursor.write(pxat)
                            expiry.withBytes { cursor.writeBulk($0, length: &expiryLength) }
                        }
                    }
                }
            }
            return nil
        case .hash(let fields):
            let next = appendHashCommand(key, entry, fields, from: position, to: &out)
            return next < fields.count ? next : nil
        case .list(let elements):
            let next = appendListCommand(key, entry, elements, from: position, to: &out)
            return next < elements.count ? next : nil
        case .set(let members):
            let next = appendSetCommand(key, entry, members, from: position, to: &out)
            return next < members.count ? next : nil
        case .zset(let members):
            let next = appendSortedSetCommand(key, entry, members, from: position, to: &out)
            return next < members.count ? next : nil
        case .stream(let stream):
            return appendStreamCommands(key, entry, stream, node: position, to: &out)
        }
    }

    /// A stream as Redis's rewrite writes it: one `XADD key id field value …` per entry,
    /// a node (up to 100 entries) per step, then `XSETID key last-id ENTRIESADDED n
    /// MAXDELETEDID id` (an empty stream is first created by `XADD key MAXLEN 0 0-1 x y`),
    /// then its groups, then the expiry. Returns the next node, or nil when done. O(what it writes).
    static func appendStreamCommands(_ key: Key, _ entry: Entry, _ stream: Stream, node: Int,
                                     to out: inout ByteBuffer) -> Int? {
        for entry in stream.entries(inNode: node) {
            out.writeArrayHeader(3 + entry.partCount)
            out.writeBulk("XADD".utf8)
            key.withUnsafeBytes { out.writeBulk(raw: $0) }
            entry.id.withText { out.writeBulk(raw: $0) }
            entry.forEachPart { out.writeBulk(raw: $0) }
        }
        if node + 1 < stream.nodeCount { return node + 1 }
        if stream.isEmpty {
            // Redis's trick: an entry 0-1 trimmed away at once; XSETID then sets the real last ID.
            out.writeArrayHeader(7)
            out.writeBulk("XADD".utf8)
            key.withUnsafeBytes { out.writeBulk(raw: $0) }
            out.writeBulk("MAXLEN".utf8)
            out.writeBulk("0".utf8)
            out.writeBulk("0-1".utf8)
            out.writeBulk("x".utf8)
            out.writeBulk("y".utf8)
        }
        out.writeArrayHeader(7)
        out.writeBulk("XSETID".utf8)
        key.withUnsafeBytes { out.writeBulk(raw: $0) }
        out.writeBulk(Array(stream.lastID.description.utf8))
        out.writeBulk("ENTRIESADDED".utf8)
        out.writeBulk(Array(String(stream.entriesAdded).utf8))
        out.writeBulk("MAXDELETEDID".utf8)
        out.writeBulk(Array(stream.maxDeletedID.description.utf8))
        appendStreamGroups(key, stream, to: &out)
        appendExpiry(key, entry, to: &out)
        return nil
    }

    /// Each group as Redis's rewrite writes it: `XGROUP CREATE key group last-id
    /// ENTRIESREAD n`, `XGROUP CREATECONSUMER` per consumer, and per pending entry `XCLAIM
    /// key group consumer 0 id TIME ms RETRYCOUNT n JUSTID FORCE`. O(groups + consumers +
    /// pending entries).
    static func appendStreamGroups(_ key: Key, _ stream: Stream, to out: inout ByteBuffer) {
        for (name, group) in stream.groupsByName {
            out.writeArrayHeader(7)
            out.writeBulk("XGROUP".utf8)
            out.writeBulk("CREATE".utf8)
            key.withUnsafeBytes { out.writeBulk(raw: $0) }
            out.writeBulk(name.bytes)
            out.writeBulk(Array(group.lastDeliveredID.description.utf8))
            out.writeBulk("ENTRIESREAD".utf8)
            out.writeBulk(Array(String(group.entriesRead).utf8))
            for (consumerName, _) in group.consumersByName {
                out.writeArrayHeader(5)
                out.writeBulk("XGROUP".utf8)
                out.writeBulk("CREATECONSUMER".utf8)
                key.withUnsafeBytes { out.writeBulk(raw: $0) }
                out.writeBulk(name.bytes)
                out.writeBulk(consumerName.bytes)
            }
            group.pending.walk(from: .zero) { id, pending in
                out.writeArrayHeader(12)
                out.writeBulk("XCLAIM".utf8)
                key.withUnsafeBytes { out.writeBulk(raw: $0) }
                out.writeBulk(name.bytes)
                out.writeBulk(pending.consumer.bytes)
                out.writeBulk("0".utf8)
                out.writeBulk(Array(id.description.utf8))
                out.writeBulk("TIME".utf8)
                out.writeBulk(Array(String(pending.deliveryTime).utf8))
                out.writeBulk("RETRYCOUNT".utf8)
                out.writeBulk(Array(String(pending.deliveryCount).utf8))
                out.writeBulk("JUSTID".utf8)
                out.writeBulk("FORCE".utf8)
                return true
            }
        }
    }

    /// `ZADD key score member ...` for up to `itemsPerCommand` pairs from position `start`
    /// (scores as `%.17g`, which reads back to the same double), then the expiry.
    /// O(log n + n / chunk + what it writes).
    static func appendSortedSetCommand(_ key: Key, _ entry: Entry, _ members: SortedSet,
                                       from start: Int, to out: inout ByteBuffer) -> Int {
        let end = min(start + itemsPerCommand, members.count)
        out.writeArrayHeader(2 + 2 * (end - start))
        out.writeBulk("ZADD".utf8)
        key.withUnsafeBytes { out.writeBulk(raw: $0) }
        for e in members.entries(in: start..<end) {
            out.writeBulk(Score.format(e.score))
            e.member.withUnsafeBytes { out.writeBulk(raw: $0) }
        }
        if end == members.count { appendExpiry(key, entry, to: &out) }
        return end
    }

    /// `SADD key m ...` for up to `itemsPerCommand` members from position `start`, then
    /// the expiry. Returns the position after the members written. O(their size).
    static func appendSetCommand(_ key: Key, _ entry: Entry, _ members: MemberSet,
                                 from start: Int, to out: inout ByteBuffer) -> Int {
        let end = min(start + itemsPerCommand, members.count)
        out.writeArrayHeader(2 + (end - start))
        out.writeBulk("SADD".utf8)
        key.withUnsafeBytes { out.writeBulk(raw: $0) }
        for i in start..<end { members.member(at: i).withUnsafeBytes { out.writeBulk(raw: $0) } }
        if end == members.count { appendExpiry(key, entry, to: &out) }
        return end
    }

    /// `RPUSH key e ...` for up to `itemsPerCommand` elements from position `start`, then,
    /// after the last, the expiry as for hashes. Returns the position after the elements
    /// written. O(their size).
    static func appendListCommand(_ key: Key, _ entry: Entry, _ elements: Deque<ByteString>,
                                  from start: Int, to out: inout ByteBuffer) -> Int {
        let end = min(start + itemsPerCommand, elements.count)
        out.writeArrayHeader(2 + (end - start))
        out.writeBulk("RPUSH".utf8)
        key.withUnsafeBytes { out.writeBulk(raw: $0) }
        for i in start..<end { elements[i].withUnsafeBytes { out.writeBulk(raw: $0) } }
        if end == elements.count { appendExpiry(key, entry, to: &out) }
        return end
    }

    /// `PEXPIREAT key <ms>` after the last command of a collection with an expiry.
    static func appendExpiry(_ key: Key, _ entry: Entry, to out: inout ByteBuffer) {
        guard entry.isVolatile else { return }
        out.writeArrayHeader(3)
        out.writeBulk("PEXPIREAT".utf8)
        key.withUnsafeBytes { out.writeBulk(raw: $0) }
        out.writeBulkDecimal(entry.expireAt)
    }

    /// `HSET key f v ...` for up to `itemsPerCommand` pairs from position `start`, then,
    /// after the last pair of a hash with an expiry, `PEXPIREAT key <ms>`. Returns the
    /// position after the pairs written. O(their size).
    static func appendHashCommand(_ key: Key, _ entry: Entry, _ fields: OrderedDictionary<ByteString, ByteString>,
                                  from start: Int, to out: inout ByteBuffer) -> Int {
        let end = min(start + itemsPerCommand, fields.count)
        out.writeArrayHeader(2 + 2 * (end - start))
        out.writeBulk("HSET".utf8)
        key.withUnsafeBytes { out.writeBulk(raw: $0) }
        for i in start..<end {
            fields.keys[i].withUnsafeBytes { out.writeBulk(raw: $0) }
            fields.values[i].withUnsafeBytes { out.writeBulk(raw: $0) }
        }
        if end == fields.count { appendExpiry(key, entry, to: &out) }
        return end
    }

    static let setHeader: StaticString = "*3\r\n$3\r\nSET\r\n"
    static let setHeaderWithExpiry: StaticString = "*5\r\n$3\r\nSET\r\n"
    static let pxat: StaticString = "$4\r\nPXAT\r\n"
}
