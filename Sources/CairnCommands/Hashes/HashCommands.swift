import NIOCore
import CairnConfig
import CairnProtocol
import CairnKeyspace
import OrderedCollections

/// Hashes: HSET HMSET HSETNX HGET HMGET HDEL HLEN HSTRLEN HEXISTS HGETALL HKEYS HVALS
/// HINCRBY HINCRBYFLOAT, with Redis 7.0's replies. Fields keep insertion order (what
/// Redis answers for hashes of up to 128 small fields); a hash left empty is deleted.
/// Writes are logged as received, except HINCRBYFLOAT, logged as the HSET of its result.
enum HashCommands {
    typealias Fields = HashFields

    static let specs: [CommandSpec] = [
        CommandSpec("hset", arity: -4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
                    complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
                    summary: "Set the string value of a hash field", syntax: "key field value [field value ...]",
                    run: { c, o in set(c, &o, legacyReply: false) }),
        CommandSpec("hmset", arity: -4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
                    complexity: "O(N) where N is the number of fields being set.",
                    summary: "Set multiple hash fields to multiple values", syntax: "key field value [field value ...]",
                    run: { c, o in set(c, &o, legacyReply: true) }),
        CommandSpec("hsetnx", arity: 4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
                    summary: "Set the value of a hash field, only if the field does not exist", syntax: "key field value",
                    run: setIfAbsent),
        CommandSpec("hget", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
                    summary: "Get the value of a hash field", syntax: "key field", run: get),
        CommandSpec("hmget", arity: -3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
                    complexity: "O(N) where N is the number of fields being requested.",
                    summary: "Get the values of all the given hash fields", syntax: "key field [field ...]", run: getMany),
        CommandSpec("hdel", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
                    complexity: "O(N) where N is the number of fields to be removed.",
                    summary: "Delete one or more hash fields", syntax: "key field [field ...]", run: delete),
        CommandSpec("hlen", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
                    summary: "Get the number of fields in a hash", syntax: "key",
                    run: { c, o in if let f = read(c, &o) { o.writeIntegerReply(Int64(f.count)) } }),
        CommandSpec("hstrlen", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "3.2.0",
                    summary: "Get the length of the value of a hash field", syntax: "key field",
                    run: { c, o in if let f = read(c, &o) { o.writeIntegerReply(Int64(f[c.value(2)]?.count ?? 0)) } }),
        CommandSpec("hexists", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
                    summary: "Determine if a hash field exists", syntax: "key field",
                    run: { c, o in if let f = read(c, &o) { o.writeIntegerReply(f[c.value(2)] == nil ? 0 : 1) } }),
        CommandSpec("hgetall", arity: 2, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "2.0.0",
                    complexity: "O(N) where N is the size of the hash.",
                    summary: "Get all the fields and values in a hash", syntax: "key", run: getAll),
        CommandSpec("hkeys", arity: 2, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "2.0.0",
                    complexity: "O(N) where N is the size of the hash.",
                    summary: "Get all the fields in a hash", syntax: "key",
                    run: { c, o in if let f = read(c, &o) { writeAll(f.keys.elements, &o) } }),
        CommandSpec("hvals", arity: 2, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "2.0.0",
                    complexity: "O(N) where N is the size of the hash.",
                    summary: "Get all the values in a hash", syntax: "key",
                    run: { c, o in if let f = read(c, &o) { writeAll(f.values.elements, &o) } }),
        CommandSpec("hincrby", arity: 4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.0.0",
                    summary: "Increment the integer value of a hash field by the given number", syntax: "key field increment",
                    run: incrBy),
        CommandSpec("hincrbyfloat", arity: 4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "hash", since: "2.6.0",
                    summary: "Increment the float value of a hash field by the given amount", syntax: "key field increment",
                    run: incrByFloat),
        CommandSpec("hrandfield", arity: -2, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "6.2.0",
                    complexity: "O(N) where N is the number of fields returned",
                    summary: "Get one or multiple random fields from a hash", syntax: "key [count [WITHVALUES]]", run: randomField),
        CommandSpec("hscan", arity: -3, flags: [.readonly], keys: (1, 1, 1), group: "hash", since: "2.8.0",
                    complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
                    summary: "Incrementally iterate hash fields and associated values", syntax: "key cursor [MATCH pattern] [COUNT count]",
                    run: scan),
    ]

    // MARK: Reading

    /// The hash at argument 1 (empty when the key is absent), or nil after replying
    /// WRONGTYPE. O(1): the hash is shared, not copied.
    static func read(_ c: CommandContext, _ out: inout ReplyWriter) -> Fields? {
        c.readOrEmpty(c.key(1), as: Fields.self, &out)
    }

    static func get(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let fields = read(c, &out) else { return }
        if let value = fields[c.value(2)] { out.writeBulk(value) } else { out.writeNull() }
    }

    static func getMany(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let fields = read(c, &out) else { return }
        out.writeArrayHeader(c.args.count - 2)
        for i in 2..<c.args.count {
            if let value = fields[c.value(i)] { out.writeBulk(value) } else { out.writeNull() }
        }
    }

    static func getAll(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let fields = read(c, &out) else { return }
        out.writeMapHeader(fields.count)
        for (field, value) in fields {
            out.writeBulk(field)
            out.writeBulk(value)
        }
    }

    /// HRANDFIELD key [count [WITHVALUES]], with SRANDMEMBER's rules for the count.
    static func randomField(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count <= 4 else { out.writeError(ErrorReplies.syntax); return }
        guard c.args.count >= 3 else {
            guard let fields = read(c, &out) else { return }
            if fields.isEmpty { out.writeNull(); return }
            out.writeBulk(fields.keys[Int.random(in: 0..<fields.count, using: &c.engine.random)])
            return
        }
        // As Redis: the count is checked before the option.
        guard let count = CollectionArguments.randomCount(c, at: 2, &out) else { return }
        var withValues = false
        if c.args.count == 4 {
            guard c.args.equals(3, lowercase: "withvalues") else { out.writeError(ErrorReplies.syntax); return }
            withValues = true
        }
        guard let fields = read(c, &out) else { return }
        let picked = CollectionArguments.randomPositions(count: count, size: fields.count, using: &c.engine.random)
        if withValues && out.resp3 {
            out.writeArrayHeader(picked.count)
            for i in picked {
                out.writeArrayHeader(2)
                out.writeBulk(fields.keys[i])
                out.writeBulk(fields.values[i])
            }
        } else {
            out.writeArrayHeader(picked.count * (withValues ? 2 : 1))
            for i in picked {
                out.writeBulk(fields.keys[i])
                if withValues { out.writeBulk(fields.values[i]) }
            }
        }
    }

    /// HSCAN. A hash Redis would keep as a listpack is answered whole, in field order,
    /// cursor 0, as Redis does; a larger one a page of about COUNT fields at a time,
    /// walking positions from the end (the cursor is how many remain), which returns
    /// every field present for the whole scan at least once: removals only move fields
    /// from the part already walked (`removeField`). O(COUNT) per call.
    static func scan(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let (cursor, fields, pattern, count) = c.scanTarget(as: Fields.self, &out) else { return }
        let whole = ObjectCommand.encoding(of: .hash(fields), c) == "listpack"
        var remaining = cursor == 0 || cursor > UInt64(fields.count) ? fields.count : Int(cursor)
        var found: [(ByteString, ByteString)] = []
        if whole {
            remaining = 0
            for (field, value) in fields where pattern.map({ p in field.withUnsafeBytes { GlobPattern.matches(p, $0) } }) ?? true {
                found.append((field, value))
            }
        } else {
            var visited = 0
            while remaining > 0 && visited < count {
                remaining -= 1
                visited += 1
                let (field, value) = fields.elements[remaining]
                if let pattern, !field.withUnsafeBytes({ GlobPattern.matches(pattern, $0) }) { continue }
                found.append((field, value))
            }
        }
        out.writeArrayHeader(2)
        out.writeBulk(String(remaining))
        out.writeArrayHeader(found.count * 2)
        for (field, value) in found {
            out.writeBulk(field)
            out.writeBulk(value)
        }
    }

    static func writeAll(_ items: [ByteString], _ out: inout ReplyWriter) {
        out.writeArrayHeader(items.count)
        for item in items { out.writeBulk(item) }
    }

    // MARK: Writing

    /// Runs `body` on the hash at argument 1 (see `CommandContext.modify`).
    static func modify<R>(_ c: CommandContext, create: Bool,
                          _ body: (inout Fields) -> Result<R, WriteRefusal>) -> Result<R, WriteRefusal>? {
        c.modify(c.key(1), as: Fields.self, create: create, body)
    }

    static func set(_ c: CommandContext, _ out: inout ReplyWriter, legacyReply: Bool) {
        guard c.args.count % 2 == 0 else {
            out.writeError(ErrorReplies.wrongArity(legacyReply ? "hmset" : "hset")); return
        }
        guard let outcome = modify(c, create: true, { fields -> Result<Int, WriteRefusal> in
            var added = 0
            for i in stride(from: 2, to: c.args.count, by: 2) {
                if fields.updateValue(c.value(i + 1), forKey: c.value(i)) == nil { added += 1 }
            }
            return .success(added)
        }), let added = c.unwrap(outcome, &out) else { return }
        c.signalModified(c.key(1), .hash, "hset")
        if legacyReply { out.writeOK() } else { out.writeIntegerReply(Int64(added)) }
        c.recordVerbatim()
    }

    static func setIfAbsent(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let outcome = modify(c, create: true, { fields -> Result<Bool, WriteRefusal> in
            let field = c.value(2)
            guard fields[field] == nil else { return .success(false) }
            fields[field] = c.value(3)
            return .success(true)
        }), let added = c.unwrap(outcome, &out) else { return }
        out.writeIntegerReply(added ? 1 : 0)
        if added {
            c.signalModified(c.key(1), .hash, "hset")
            c.recordVerbatim()
        }
    }

    /// O(fields removed), O(fields removed × hash size) for a hash within
    /// hash-max-listpack-entries (see `removeField`).
    static func delete(_ c: CommandContext, _ out: inout ReplyWriter) {
        let orderedUpTo = c.engine.settings.hashMaxListpackEntries
        guard let outcome = modify(c, create: false, { fields -> Result<Int, WriteRefusal> in
            var removed = 0
            for i in 2..<c.args.count where fields.removeField(c.value(i), keepingOrderUpTo: orderedUpTo) { removed += 1 }
            return .success(removed)
        }) else { out.writeIntegerReply(0); return }
        guard let removed = c.unwrap(outcome, &out) else { return }
        out.writeIntegerReply(Int64(removed))
        if removed > 0 {
            c.signalModified(c.key(1), .hash, "hdel")
            c.recordVerbatim()
        }
    }

    static func incrBy(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let delta = c.args.int64(3) else { out.writeError(ErrorReplies.notInteger); return }
        guard let outcome = modify(c, create: true, { fields -> Result<Int64, WriteRefusal> in
            let field = c.value(2)
            var current: Int64 = 0
            if let value = fields[field] {
                guard let parsed = value.withUnsafeBytes({ parseStrictInt64($0) }) else {
                    return .failure(.message("ERR hash value is not an integer"))
                }
                current = parsed
            }
            let (result, overflow) = current.addingReportingOverflow(delta)
            guard !overflow else { return .failure(.message(ErrorReplies.overflow)) }
            var digits = DecimalDigits(result)
            fields[field] = digits.withBytes { ByteString($0) }
            return .success(result)
        }), let result = c.unwrap(outcome, &out) else { return }
        c.signalModified(c.key(1), .hash, "hincrby")
        out.writeIntegerReply(result)
        c.recordVerbatim()
    }

    static func incrByFloat(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let increment = LongDouble.parse(Array(c.args[3])) else { out.writeError(ErrorReplies.notFloat); return }
        // Redis 7.0 refuses an infinite increment before it looks at the key.
        guard increment.isFinite else { out.writeError("ERR value is NaN or Infinity"); return }
        guard let outcome = modify(c, create: true, { fields -> Result<[UInt8], WriteRefusal> in
            let field = c.value(2)
            var current: Float80 = 0
            if let value = fields[field] {
                guard let parsed = LongDouble.parse(value.bytes) else {
                    return .failure(.message("ERR hash value is not a float"))
                }
                current = parsed
            }
            let result = current + increment
            guard !result.isNaN && !result.isInfinite else {
                return .failure(.message("ERR increment would produce NaN or Infinity"))
            }
            guard let text = LongDouble.format(result) else { return .failure(.message(ErrorReplies.notFloat)) }
            fields[field] = ByteString(text)
            return .success(text)
        }), let text = c.unwrap(outcome, &out) else { return }
        c.signalModified(c.key(1), .hash, "hincrbyfloat")
        out.writeBulk(text)
        // As Redis does: the result, not the step, so a replay does not depend on rounding.
        c.record([.word("HSET"), .slice(c.args[1]), .slice(c.args[2]), .bytes(text)])
    }
}
