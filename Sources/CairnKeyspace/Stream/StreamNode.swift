/// A run of up to `Stream.nodeCapacity` consecutive entries packed into one byte array,
/// as Redis packs a stream's entries into listpacks:
///
///     entry := flags  varint(ms - first.ms)  varint(seq)  body
///     body  := value*                      when flags has `sameFields`
///            | varint(parts) (length bytes)*   otherwise
///     value, part := varint(length) bytes
///
/// The node's `fields` are the first entry's field names; an entry with the same names
/// (the usual case: events of one shape) stores only its values. IDs are stored as the
/// distance from the node's first ID. Deleting an entry sets a flag; the entry's bytes
/// stay until the node goes. An entry costs a few bytes plus its values, no allocation.
struct StreamNode: Sendable {
    /// The first entry's ID (present or deleted): IDs are stored relative to it.
    let first: StreamID
    /// The newest entry's ID (present or deleted).
    private(set) var newest: StreamID
    /// The first entry's field names.
    let fields: [ByteString]
    private(set) var data: [UInt8] = []
    /// Entries stored, deleted ones included.
    private(set) var entries = 0
    /// Entries present.
    private(set) var live = 0
    /// Whether the newest entry was deleted (else it is the last one present: O(1)).
    private var newestDeleted = false

    static let deletedFlag: UInt8 = 1
    static let sameFieldsFlag: UInt8 = 2
    /// Redis's `stream-node-max-bytes`: a node takes no entry once its bytes reach it.
    static let maxBytes = 4096

    init(first: StreamID, fieldsOf pairs: [ByteString]) {
        self.first = first
        self.newest = first
        var names: [ByteString] = []
        names.reserveCapacity(pairs.count / 2)
        var i = pairs.startIndex
        while i != pairs.endIndex {
            names.append(pairs[i])
            i = pairs.index(after: i)
            if i != pairs.endIndex { i = pairs.index(after: i) }
        }
        self.fields = names
        data.reserveCapacity(256)
    }

    var isFull: Bool { entries >= Stream.nodeCapacity || data.count >= Self.maxBytes }

    /// Appends entry `id` (above `newest`, at or above `first`). Amortised O(bytes).
    mutating func append(_ id: StreamID, _ pairs: [ByteString]) {
        var same = pairs.count == 2 * fields.count
        if same {
            var i = pairs.startIndex
            for name in fields {
                if pairs[i] != name { same = false; break }
                i = pairs.index(i, offsetBy: 2)
            }
        }
        data.append(same ? Self.sameFieldsFlag : 0)
        Self.appendVarint(id.ms - first.ms, to: &data)
        Self.appendVarint(id.seq, to: &data)
        if same {
            var odd = false
            for part in pairs {
                if odd { Self.appendPart(part, to: &data) }
                odd.toggle()
            }
        } else {
            Self.appendVarint(UInt64(pairs.count), to: &data)
            for part in pairs { Self.appendPart(part, to: &data) }
        }
        newest = id
        newestDeleted = false
        entries += 1
        live += 1
    }

    /// Gives the array back its unused capacity (a node that takes no more entries).
    mutating func shrink() {
        guard data.capacity > data.count + 16 else { return }
        data = data.withUnsafeBufferPointer { Array($0) }
    }

    /// Calls `body` with each entry in order: its ID, where it starts, and whether it is
    /// deleted, until `body` returns false. O(bytes of the entries visited).
    func scan(_ body: (_ id: StreamID, _ offset: Int, _ deleted: Bool) -> Bool) {
        data.withUnsafeBufferPointer { bytes in
            var o = 0
            while o < bytes.count {
                let start = o
                let flags = bytes[o]
                o += 1
                let ms = first.ms &+ Self.readVarint(bytes, &o)
                let seq = Self.readVarint(bytes, &o)
                Self.skipBody(bytes, flags: flags, fieldCount: fields.count, &o)
                if !body(StreamID(ms: ms, seq: seq), start, flags & Self.deletedFlag != 0) { return }
            }
        }
    }

    /// The entries present, oldest first, with IDs in `start...end`. O(bytes).
    func present(from start: StreamID = .zero, through end: StreamID = .max) -> [StreamEntry] {
        var out: [StreamEntry] = []
        scan { id, offset, deleted in
            if id > end { return false }
            if !deleted && id >= start { out.append(entry(id, at: offset)) }
            return true
        }
        return out
    }

    /// The entry starting at `offset`, as a view that shares this node's bytes.
    func entry(_ id: StreamID, at offset: Int) -> StreamEntry {
        data.withUnsafeBufferPointer { bytes in
            var o = offset
            let flags = bytes[o]
            o += 1
            _ = Self.readVarint(bytes, &o)
            _ = Self.readVarint(bytes, &o)
            let same = flags & Self.sameFieldsFlag != 0
            let parts = same ? 2 * fields.count : Int(Self.readVarint(bytes, &o))
            return StreamEntry(id: id, fields: same ? fields : [], data: data, bodyStart: o, partCount: parts)
        }
    }

    /// Marks entry `id` deleted; false if it is not present. O(bytes).
    mutating func delete(_ id: StreamID) -> Bool {
        var found: Int?
        scan { entryID, offset, deleted in
            if entryID == id { if !deleted { found = offset }; return false }
            return entryID < id
        }
        guard let offset = found else { return false }
        data[offset] |= Self.deletedFlag
        live -= 1
        if id == newest { newestDeleted = true }
        return true
    }

    /// Marks the oldest present entries deleted while `shouldRemove(id)` says so and
    /// `budget` lasts; returns how many. O(bytes).
    mutating func deleteOldest(budget: Int, _ shouldRemove: (StreamID) -> Bool) -> Int {
        var marks: [Int] = []
        scan { id, offset, deleted in
            if deleted { return true }
            guard marks.count < budget, shouldRemove(id) else { return false }
            marks.append(offset)
            return true
        }
        for offset in marks { data[offset] |= Self.deletedFlag }
        live -= marks.count
        if live == 0 { newestDeleted = true }
        return marks.count
    }

    /// The first or last present entry's ID. O(bytes).
    var firstPresent: StreamID? {
        var found: StreamID?
        scan { id, _, deleted in
            if !deleted { found = id; return false }
            return true
        }
        return found
    }

    var lastPresent: StreamID? {
        if !newestDeleted && entries > 0 { return newest }
        var found: StreamID?
        scan { id, _, deleted in
            if !deleted { found = id }
            return true
        }
        return found
    }

    // MARK: Encoding

    static func appendVarint(_ value: UInt64, to data: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            data.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        data.append(UInt8(v))
    }

    static func appendPart(_ part: ByteString, to data: inout [UInt8]) {
        part.withUnsafeBytes { bytes in
            appendVarint(UInt64(bytes.count), to: &data)
            data.append(contentsOf: bytes)
        }
    }

    /// Reads a varint at `o` (bytes this node wrote: never malformed). O(1).
    static func readVarint(_ bytes: UnsafeBufferPointer<UInt8>, _ o: inout Int) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while o < bytes.count {
            let byte = bytes[o]
            o += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 || shift >= 63 { break }
            shift += 7
        }
        return value
    }

    static func skipBody(_ bytes: UnsafeBufferPointer<UInt8>, flags: UInt8, fieldCount: Int, _ o: inout Int) {
        let parts = flags & sameFieldsFlag != 0 ? fieldCount : Int(readVarint(bytes, &o))
        for _ in 0..<parts {
            let length = Int(readVarint(bytes, &o))
            o += length
        }
    }
}

/// One stream entry as read: its ID and its field-value pairs, a view of its node's
/// bytes (nothing decoded until asked). Equal when IDs and pairs are.
public struct StreamEntry: Sendable, Equatable {
    public let id: StreamID
    /// The node's field names when the entry has them; empty when its body holds them.
    let fields: [ByteString]
    let data: [UInt8]
    let bodyStart: Int
    /// Fields and values together.
    public let partCount: Int

    /// Calls `body` with each field and value in order, from the node's bytes. O(size).
    public func forEachPart(_ body: (UnsafeRawBufferPointer) -> Void) {
        data.withUnsafeBufferPointer { bytes in
            var o = bodyStart
            for i in 0..<partCount {
                if !fields.isEmpty && i % 2 == 0 {
                    fields[i / 2].withUnsafeBytes(body)
                    continue
                }
                let length = Int(StreamNode.readVarint(bytes, &o))
                body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[o..<(o + length)]))
                o += length
            }
        }
    }

    /// The pairs decoded, field first. O(size); allocates.
    public var pairs: [ByteString] {
        var out: [ByteString] = []
        out.reserveCapacity(partCount)
        forEachPart { out.append(ByteString($0)) }
        return out
    }

    public static func == (a: StreamEntry, b: StreamEntry) -> Bool {
        a.id == b.id && a.pairs == b.pairs
    }
}
