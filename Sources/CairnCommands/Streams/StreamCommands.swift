import CairnKeyspace
import CairnProtocol

/// Streams, first commands: XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XSETID with
/// Redis 7.0's parsing, replies and errors. Consumer groups and XREAD come next.
///
/// Logged as deterministic commands: XADD with the ID it produced (whatever `*` or
/// `ms-*` it was given), any trimming as the exact `XTRIM key MAXLEN = <length left>` it
/// became, XDEL and XSETID as received.
enum StreamCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("xadd", arity: -5, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "stream", since: "5.0.0",
                    complexity: "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
                    summary: "Appends a new message to a stream. Creates the key if it doesn't exist.",
                    syntax: "key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]", run: xadd),
        CommandSpec("xlen", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "stream", since: "5.0.0",
                    summary: "Return the number of messages in a stream.", syntax: "key", run: xlen),
        CommandSpec("xrange", arity: -4, flags: [.readonly], keys: (1, 1, 1), group: "stream", since: "5.0.0",
                    complexity: "O(N) with N being the number of elements being returned.",
                    summary: "Returns the messages from a stream within a range of IDs.", syntax: "key start end [COUNT count]",
                    run: { c, o in range(c, &o, reverse: false) }),
        CommandSpec("xrevrange", arity: -4, flags: [.readonly], keys: (1, 1, 1), group: "stream", since: "5.0.0",
                    complexity: "O(N) with N being the number of elements returned.",
                    summary: "Returns the messages from a stream within a range of IDs in reverse order.", syntax: "key end start [COUNT count]",
                    run: { c, o in range(c, &o, reverse: true) }),
        CommandSpec("xdel", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "stream", since: "5.0.0",
                    complexity: "O(1) for each single item to delete in the stream, regardless of the stream size.",
                    summary: "Returns the number of messages after removing them from a stream.", syntax: "key id [id ...]", run: xdel),
        CommandSpec("xtrim", arity: -4, flags: [.write], keys: (1, 1, 1), group: "stream", since: "5.0.0",
                    complexity: "O(N), with N being the number of evicted entries.",
                    summary: "Deletes messages from the beginning of a stream.",
                    syntax: "key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]", run: xtrim),
        CommandSpec("xsetid", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "stream", since: "5.0.0",
                    summary: "An internal command for replicating stream values.",
                    syntax: "key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]", run: xsetid),
    ]

    static let invalidID = "ERR Invalid stream ID specified as stream command argument"
    static let notGreater = "ERR The ID specified in XADD is equal or smaller than the target stream top item"

    /// How XADD or XTRIM trims.
    enum Trim {
        case maxLength(Int)
        case minID(StreamID)
    }

    /// What XADD asks for its ID.
    enum RequestedID {
        case automatic                 // *
        case automaticSequence(UInt64) // ms-*
        case explicit(StreamID)
    }

    struct Options {
        var trim: Trim?
        var approximate = false
        var limit: Int?
        var noMakeStream = false
        var id: RequestedID = .automatic
        /// Where XADD's field-value pairs start.
        var fieldsStart = 0
    }

    /// Redis's `streamParseAddOrTrimArgsOrReply`: options from argument 2; for XADD up
    /// to and including the ID. Nil after replying an error.
    static func parseOptions(_ c: CommandContext, xadd: Bool, _ out: inout ReplyWriter) -> Options? {
        var o = Options()
        var i = 2
        var idFound = false
        while i < c.args.count {
            let more = c.args.count - 1 - i
            if xadd && c.args.length(i) == 1 && c.args.withUnsafeBytes(i, { $0[0] }) == UInt8(ascii: "*") {
                o.id = .automatic
                idFound = true
                i += 1
                break
            }
            if (c.args.equals(i, lowercase: "maxlen") || c.args.equals(i, lowercase: "minid")) && more >= 1 {
                let isMaxLength = c.args.equals(i, lowercase: "maxlen")
                o.approximate = false
                if more >= 2 && c.args.length(i + 1) == 1 {
                    let sign = c.args.withUnsafeBytes(i + 1) { $0[0] }
                    if sign == UInt8(ascii: "~") { o.approximate = true; i += 1 }
                    else if sign == UInt8(ascii: "=") { i += 1 }
                }
                if isMaxLength {
                    guard let n = c.args.int64(i + 1) else { out.writeError(ErrorReplies.notInteger); return nil }
                    guard n >= 0 else { out.writeError("ERR The MAXLEN argument must be >= 0."); return nil }
                    if case .minID = o.trim {
                        out.writeError("ERR syntax error, MAXLEN and MINID options at the same time are not compatible"); return nil
                    }
                    o.trim = .maxLength(Int(clamping: n))
                } else {
                    guard let id = c.args.withUnsafeBytes(i + 1, { StreamID(parsing: $0, missingSequence: 0) }) else {
                        out.writeError(invalidID); return nil
                    }
                    if case .maxLength = o.trim {
                        out.writeError("ERR syntax error, MAXLEN and MINID options at the same time are not compatible"); return nil
                    }
                    o.trim = .minID(id)
                }
                i += 2
                continue
            }
            if c.args.equals(i, lowercase: "limit") && more >= 1 {
                guard let n = c.args.int64(i + 1) else { out.writeError(ErrorReplies.notInteger); return nil }
                guard n >= 0 else { out.writeError("ERR The LIMIT argument must be >= 0."); return nil }
                o.limit = Int(clamping: n)
                i += 2
                continue
            }
            if xadd && c.args.equals(i, lowercase: "nomkstream") {
                o.noMakeStream = true
                i += 1
                continue
            }
            if xadd {
                guard let id = parseAddID(c, i) else { out.writeError(invalidID); return nil }
                o.id = id
                idFound = true
                i += 1
                break
            }
            out.writeError(ErrorReplies.syntax)
            return nil
        }
        if o.limit != nil && o.trim == nil {
            out.writeError("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"); return nil
        }
        if o.limit != nil && !o.approximate {
            out.writeError("ERR syntax error, LIMIT cannot be used without the special ~ option"); return nil
        }
        if !xadd && o.trim == nil { out.writeError(ErrorReplies.syntax); return nil }
        if xadd && !idFound { out.writeError(ErrorReplies.wrongArity("xadd")); return nil }
        o.fieldsStart = i
        return o
    }

    /// `ms-seq`, `ms` (sequence 0) or `ms-*`.
    static func parseAddID(_ c: CommandContext, _ i: Int) -> RequestedID? {
        c.args.withUnsafeBytes(i) { text -> RequestedID? in
            if text.count >= 2, text[text.count - 1] == UInt8(ascii: "*"), text[text.count - 2] == UInt8(ascii: "-") {
                let ms = UnsafeRawBufferPointer(rebasing: text[..<(text.count - 2)])
                guard let id = StreamID(parsing: ms, missingSequence: 0), !ms.contains(UInt8(ascii: "-")) else { return nil }
                return .automaticSequence(id.ms)
            }
            return StreamID(parsing: text, missingSequence: 0).map { .explicit($0) }
        }
    }

    static func xadd(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let o = parseOptions(c, xadd: true, &out) else { return }
        let pairs = c.args.count - o.fieldsStart
        guard pairs >= 2, pairs % 2 == 0 else { out.writeError(ErrorReplies.wrongArity("xadd")); return }
        if case .explicit(let id) = o.id, id == .zero {
            out.writeError("ERR The ID specified in XADD must be greater than 0-0"); return
        }
        let key = c.key(1)
        let now = UInt64(clamping: c.now)
        let outcome = c.modify(key, as: Stream.self, create: !o.noMakeStream) { stream -> Result<(StreamID, Int), WriteRefusal> in
            guard stream.lastID < .max else {
                return .failure(.message("ERR The stream has exhausted the last possible ID, unable to add more items"))
            }
            let last = stream.lastID
            let id: StreamID
            switch o.id {
            case .automatic:
                if now > last.ms { id = StreamID(ms: now, seq: 0) } else if let next = last.successor { id = next } else {
                    return .failure(.message("ERR The stream has exhausted the last possible ID, unable to add more items"))
                }
            case .automaticSequence(let ms):
                if ms > last.ms { id = StreamID(ms: ms, seq: 0) }
                else if ms == last.ms, last.seq < .max { id = StreamID(ms: ms, seq: last.seq + 1) }
                else if ms == last.ms { return .failure(.message("ERR Elements are too large to be stored")) }
                else { return .failure(.message(notGreater)) }
            case .explicit(let given):
                guard given > last else { return .failure(.message(notGreater)) }
                id = given
            }
            var values: [ByteString] = []
            values.reserveCapacity(pairs)
            for i in o.fieldsStart..<c.args.count { values.append(c.value(i)) }
            stream.append(id, values)
            return .success((id, trim(&stream, o)))
        }
        guard let outcome else { out.writeNull(); return }
        guard let (id, trimmed) = c.unwrap(outcome, &out) else { return }
        id.withText { text in
            out.writeBulk(raw: text)
            if c.engine.propagation.isEnabled {
                c.engine.flushExpirations(db: c.db)
                c.engine.propagation.recordRebuilt(db: c.db, c.args, head: 2, middle: text, tail: o.fieldsStart)
            }
        }
        c.signalModified(key, .stream, "xadd")
        if trimmed > 0 { recordTrim(c, key) }
    }

    /// Trims as the options ask (approximate: whole nodes, at most LIMIT entries or
    /// 100 × node capacity). Returns the entries removed.
    static func trim(_ stream: inout Stream, _ o: Options) -> Int {
        guard let strategy = o.trim else { return 0 }
        let limit = o.approximate ? (o.limit.map { $0 == 0 ? Int.max : $0 } ?? 100 * Stream.nodeCapacity) : Int.max
        switch strategy {
        case .maxLength(let n): return stream.trim(maxLength: n, approximate: o.approximate, limit: limit)
        case .minID(let id): return stream.trim(minID: id, approximate: o.approximate, limit: limit)
        }
    }

    /// The trim as the exact command it became, and its event.
    static func recordTrim(_ c: CommandContext, _ key: Key) {
        let length = c.engine.keyspace.databases[c.db].peek(key).flatMap { Stream.payload(of: $0.value)?.count } ?? 0
        c.record([.word("XTRIM"), .slice(c.args.bytes(1)[...]), .word("MAXLEN"), .word("="), .integer(Int64(length))])
        c.notify(.stream, "xtrim", key)
    }

    static func xlen(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let stream = c.readOrEmpty(c.key(1), as: Stream.self, &out) else { return }
        out.writeIntegerReply(Int64(stream.count))
    }

    /// A range bound: `-`, `+`, an ID (a missing sequence is 0 for a start and the
    /// largest for an end), or `(` and an ID for an exclusive bound. Nil after replying.
    static func bound(_ c: CommandContext, _ i: Int, isStart: Bool, _ out: inout ReplyWriter) -> StreamID? {
        c.args.withUnsafeBytes(i) { text -> StreamID? in
            if text.count == 1 && text[0] == UInt8(ascii: "-") { return .zero }
            if text.count == 1 && text[0] == UInt8(ascii: "+") { return .max }
            let exclusive = text.first == UInt8(ascii: "(")
            let body = UnsafeRawBufferPointer(rebasing: text[(exclusive ? 1 : 0)...])
            guard let id = StreamID(parsing: body, missingSequence: isStart ? 0 : .max) else {
                out.writeError(invalidID)
                return nil
            }
            guard exclusive else { return id }
            guard let moved = isStart ? id.successor : id.predecessor else {
                out.writeError(isStart ? "ERR invalid start ID for the interval" : "ERR invalid end ID for the interval")
                return nil
            }
            return moved
        }
    }

    /// XRANGE key start end [COUNT n], XREVRANGE key end start [COUNT n].
    static func range(_ c: CommandContext, _ out: inout ReplyWriter, reverse: Bool) {
        guard let start = bound(c, reverse ? 3 : 2, isStart: true, &out),
              let end = bound(c, reverse ? 2 : 3, isStart: false, &out) else { return }
        var limit = Int.max
        if c.args.count > 4 {
            guard c.args.count == 6, c.args.equals(4, lowercase: "count") else { out.writeError(ErrorReplies.syntax); return }
            guard let n = c.args.int64(5) else { out.writeError(ErrorReplies.notInteger); return }
            // Redis answers a COUNT of 0 or less with a nil array (for a stream that exists).
            limit = n <= 0 ? -1 : Int(clamping: n)
        }
        let stream: Stream
        switch c.read(c.key(1), as: Stream.self, &out) {
        case .absent: out.writeArrayHeader(0); return
        case .refused: return
        case .found(let found): stream = found
        }
        if limit < 0 { out.writeNullArray(); return }
        let entries = stream.range(start, end, reverse: reverse, limit: limit)
        out.writeArrayHeader(entries.count)
        for entry in entries { writeEntry(entry, &out) }
    }

    /// `[id, [field, value, …]]`, written from the node's bytes.
    static func writeEntry(_ entry: StreamEntry, _ out: inout ReplyWriter) {
        out.writeArrayHeader(2)
        entry.id.withText { out.writeBulk(raw: $0) }
        out.writeArrayHeader(entry.partCount)
        entry.forEachPart { out.writeBulk(raw: $0) }
    }

    /// The key must hold a stream: false after replying 0 for a missing key (XDEL looks
    /// it up before reading its IDs, as Redis does) or WRONGTYPE.
    static func streamExists(_ c: CommandContext, _ out: inout ReplyWriter) -> Bool {
        switch c.read(c.key(1), as: Stream.self, &out) {
        case .absent: out.writeIntegerReply(0); return false
        case .refused: return false
        case .found: return true
        }
    }

    static func xdel(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard streamExists(c, &out) else { return }
        var ids: [StreamID] = []
        for i in 2..<c.args.count {
            guard let id = c.args.withUnsafeBytes(i, { StreamID(parsing: $0, missingSequence: 0) }) else {
                out.writeError(invalidID); return
            }
            ids.append(id)
        }
        let key = c.key(1)
        let outcome = c.modify(key, as: Stream.self, create: false) { stream -> Result<Int, WriteRefusal> in
            .success(ids.reduce(0) { $0 + (stream.delete($1) ? 1 : 0) })
        }
        guard let outcome else { out.writeIntegerReply(0); return }
        guard let deleted = c.unwrap(outcome, &out) else { return }
        out.writeIntegerReply(Int64(deleted))
        guard deleted > 0 else { return }
        c.recordVerbatim()
        c.signalModified(key, .stream, "xdel")
    }

    static func xtrim(_ c: CommandContext, _ out: inout ReplyWriter) {
        // Arguments first, then the key (Redis's order for XTRIM; XDEL is the other way).
        guard let o = parseOptions(c, xadd: false, &out), streamExists(c, &out) else { return }
        let key = c.key(1)
        let outcome = c.modify(key, as: Stream.self, create: false) { stream -> Result<Int, WriteRefusal> in
            .success(trim(&stream, o))
        }
        guard let outcome else { out.writeIntegerReply(0); return }
        guard let removed = c.unwrap(outcome, &out) else { return }
        out.writeIntegerReply(Int64(removed))
        guard removed > 0 else { return }
        c.signalModified(key)
        recordTrim(c, key)
    }

    /// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id], with Redis 7.0's checks.
    static func xsetid(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let id = c.args.withUnsafeBytes(2, { StreamID(parsing: $0, missingSequence: 0) }) else {
            out.writeError(invalidID); return
        }
        var entriesAdded: UInt64?
        var maxDeleted: StreamID?
        var i = 3
        while i < c.args.count {
            guard i + 1 < c.args.count else { out.writeError(ErrorReplies.syntax); return }
            if c.args.equals(i, lowercase: "entriesadded") {
                guard let n = c.args.int64(i + 1) else { out.writeError(ErrorReplies.notInteger); return }
                guard n >= 0 else { out.writeError("ERR entries_added must be positive"); return }
                entriesAdded = UInt64(n)
            } else if c.args.equals(i, lowercase: "maxdeletedid") {
                guard let given = c.args.withUnsafeBytes(i + 1, { StreamID(parsing: $0, missingSequence: 0) }) else {
                    out.writeError(invalidID); return
                }
                guard id >= given else {
                    out.writeError("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"); return
                }
                maxDeleted = given
            } else {
                out.writeError(ErrorReplies.syntax); return
            }
            i += 2
        }
        let key = c.key(1)
        let outcome = c.modify(key, as: Stream.self, create: false) { stream -> Result<Void, WriteRefusal> in
            if let entriesAdded, UInt64(stream.count) > entriesAdded {
                return .failure(.message("ERR The entries_added specified in XSETID is smaller than the target stream length"))
            }
            let top = stream.range(.zero, .max, reverse: true, limit: 1).first?.id
            if let top, id < top {
                return .failure(.message("ERR The ID specified in XSETID is smaller than the target stream top item"))
            }
            stream.lastID = id
            if let entriesAdded { stream.entriesAdded = entriesAdded }
            if let maxDeleted { stream.maxDeletedID = maxDeleted }
            return .success(())
        }
        guard let outcome else { out.writeError(ErrorReplies.noSuchKey); return }
        guard c.unwrap(outcome, &out) != nil else { return }
        out.writeOK()
        c.recordVerbatim()
        c.signalModified(key, .stream, "xsetid")
    }
}
