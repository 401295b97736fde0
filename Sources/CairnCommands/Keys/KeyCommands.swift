import NIOCore
import CairnConfig
import CairnProtocol
import CairnKeyspace

/// Commands on keys whatever their type: existence, deletion, iteration, renaming.
enum KeyCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("del", arity: -2, flags: [.write], keys: (1, -1, 1), group: "generic", complexity: "O(N) where N is the number of keys that will be removed.",
                    summary: "Deletes one or more keys.", syntax: "key [key ...]", run: del),
        CommandSpec("unlink", arity: -2, flags: [.write, .fast], keys: (1, -1, 1), group: "generic", since: "4.0.0", complexity: "O(1) for each key removed regardless of its size.",
                    summary: "Asynchronously deletes one or more keys.", syntax: "key [key ...]", run: del),
        CommandSpec("exists", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), group: "generic", complexity: "O(N) where N is the number of keys to check.",
                    summary: "Determines whether one or more keys exist.", syntax: "key [key ...]", run: { c, o in exists(c, &o, touch: false) }),
        CommandSpec("touch", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), group: "generic", since: "3.2.1", complexity: "O(N) where N is the number of keys that will be touched.",
                    summary: "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
                    syntax: "key [key ...]", run: { c, o in exists(c, &o, touch: true) }),
        CommandSpec("type", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic",
                    summary: "Determines the type of value stored at a key.", syntax: "key", run: type),
        CommandSpec("keys", arity: 2, flags: [.readonly], group: "generic", categories: [.keyspace, .dangerous], complexity: "O(N) with N being the number of keys in the database",
                    summary: "Returns all key names that match a pattern.", syntax: "pattern", run: keys),
        CommandSpec("scan", arity: -2, flags: [.readonly], group: "generic", since: "2.8.0", complexity: "O(1) for every call. O(N) for a complete iteration.",
                    summary: "Iterates over the key names in the database.", syntax: "cursor [MATCH pattern] [COUNT count] [TYPE type]", run: scan),
        CommandSpec("randomkey", arity: 1, flags: [.readonly], group: "generic",
                    summary: "Returns a random key name from the database.", run: randomkey),
        CommandSpec("rename", arity: 3, flags: [.write], keys: (1, 2, 1), group: "generic",
                    summary: "Renames a key and overwrites the destination.", syntax: "key newkey", run: { c, o in rename(c, &o, onlyIfAbsent: false) }),
        CommandSpec("renamenx", arity: 3, flags: [.write, .fast], keys: (1, 2, 1), group: "generic",
                    summary: "Renames a key only when the target key name doesn't exist.", syntax: "key newkey", run: { c, o in rename(c, &o, onlyIfAbsent: true) }),
        CommandSpec("swapdb", arity: 3, flags: [.write, .fast], group: "server", since: "4.0.0", categories: [.keyspace, .dangerous],
                    complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.",
                    summary: "Swaps two Redis databases", syntax: "index1 index2", run: swapdb),
        CommandSpec("move", arity: 3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic",
                    summary: "Move a key to another database", syntax: "key db", run: move),
        CommandSpec("copy", arity: -3, flags: [.write, .denyOOM], keys: (1, 2, 1), group: "generic", since: "6.2.0", complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
                    summary: "Copies the value of a key to a new key.", syntax: "source destination [DB destination-db] [REPLACE]", run: copy),
    ]

    static func del(_ c: CommandContext, _ out: inout ReplyWriter) {
        var removed: [Key] = []
        for i in 1..<c.args.count {
            let key = c.key(i)
            if c.lookupWrite(key) != nil {
                c.engine.keyspace.databases[c.db].remove(key)
                removed.append(key)
                c.notify(.generic, "del", key)
            }
        }
        out.writeIntegerReply(Int64(removed.count))
        if !removed.isEmpty && c.isRecording {
            c.record([.word("DEL")] + removed.map { .bytes($0.bytes) })
        }
    }

    /// EXISTS, and TOUCH, which is EXISTS noting the access.
    static func exists(_ c: CommandContext, _ out: inout ReplyWriter, touch: Bool) {
        var found: Int64 = 0
        for i in 1..<c.args.count {
            // TOUCH notes the access even for a CLIENT NO-TOUCH client, as in Redis.
            let entry = touch ? c.engine.keyspace.databases[c.db].lookup(c.key(i), now: c.now, touch: true)
                              : c.lookupRead(c.key(i), touch: false)
            if entry != nil { found += 1 } else if touch { c.notify(.keyMiss, "keymiss", c.key(i)) }
        }
        out.writeIntegerReply(found)
    }

    static func type(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let entry = c.lookupRead(c.key(1), touch: false) else { out.writeSimpleString("none"); return }
        out.writeSimpleString(entry.value.type.rawValue)
    }

    static func keys(_ c: CommandContext, _ out: inout ReplyWriter) {
        let pattern = c.args[1]
        let everything = GlobPattern.matchesEverything(pattern)
        var found: [Key] = []
        c.engine.keyspace.databases[c.db].forEachLiveKey(now: c.now) { key, _ in
            if everything || key.withUnsafeBytes({ GlobPattern.matches(pattern, $0) }) { found.append(key) }
        }
        out.writeArrayHeader(found.count)
        for key in found { out.writeBulk(key) }
    }

    static func scan(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let cursor = parseCursor(c.args[1]) else { out.writeError(ErrorReplies.invalidCursor); return }
        var count = 10
        var pattern: ArraySlice<UInt8>? = nil
        var typeFilter: String? = nil
        var i = 2
        while i < c.args.count {
            let remaining = c.args.count - i
            if c.args.equals(i, lowercase: "count") && remaining >= 2 {
                guard let n = c.args.int64(i + 1) else { out.writeError(ErrorReplies.notInteger); return }
                guard n >= 1 else { out.writeError(ErrorReplies.syntax); return }
                count = Int(min(n, Int64(Int.max / 2)))
            } else if c.args.equals(i, lowercase: "match") && remaining >= 2 {
                let p = c.args[i + 1]
                pattern = GlobPattern.matchesEverything(p) ? nil : p
            } else if c.args.equals(i, lowercase: "type") && remaining >= 2 {
                typeFilter = c.args.string(i + 1).lowercased()
            } else {
                out.writeError(ErrorReplies.syntax); return
            }
            i += 2
        }
        var found: [Key] = []
        let next = c.engine.keyspace.databases[c.db].scan(cursor: cursor, count: count, now: c.now) { key, entry in
            if let typeFilter, entry.value.type.rawValue != typeFilter { return }
            if let pattern, !key.withUnsafeBytes({ GlobPattern.matches(pattern, $0) }) { return }
            found.append(key)
        }
        out.writeArrayHeader(2)
        out.writeBulk(String(next))
        out.writeArrayHeader(found.count)
        for key in found { out.writeBulk(key) }
    }

    /// Redis parses cursors with `strtoul`: an optional sign, decimal digits, nothing
    /// after them, no leading space, no overflow; a minus sign wraps around.
    static func parseCursor(_ bytes: ArraySlice<UInt8>) -> UInt64? {
        var digits = bytes[...]
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        // An empty cursor is 0, as strtoul reads it in Redis.
        if digits.isEmpty { return 0 }
        guard digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let magnitude = UInt64(String(decoding: digits, as: UTF8.self)) else { return nil }
        return negative ? 0 &- magnitude : magnitude
    }

    static func randomkey(_ c: CommandContext, _ out: inout ReplyWriter) {
        if let key = c.engine.keyspace.databases[c.db].randomKey(now: c.now, using: &c.engine.random) {
            out.writeBulk(key)
        } else {
            out.writeNull()
        }
    }

    static func rename(_ c: CommandContext, _ out: inout ReplyWriter, onlyIfAbsent: Bool) {
        let source = c.key(1), target = c.key(2)
        guard let entry = c.lookupWrite(source) else { out.writeError(ErrorReplies.noSuchKey); return }
        if source == target {
            if onlyIfAbsent { out.writeIntegerReply(0) } else { out.writeOK() }
            return
        }
        if c.lookupWrite(target) != nil && onlyIfAbsent { out.writeIntegerReply(0); return }
        c.engine.keyspace.databases[c.db].remove(source)
        c.engine.keyspace.databases[c.db].set(target, entry, now: c.now)
        c.notify(.generic, "rename_from", source)
        c.notify(.generic, "rename_to", target)
        if onlyIfAbsent { out.writeIntegerReply(1) } else { out.writeOK() }
        c.recordVerbatim()
    }

    /// MOVE key db: the key, with its expiry, to another database unless the name is
    /// taken there. Logged as received (it replays under the same SELECT).
    static func move(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let n = c.args.int64(2) else { out.writeError(ErrorReplies.notInteger); return }
        guard n >= Int64(Int32.min), n <= Int64(Int32.max) else { out.writeError(ErrorReplies.outOfInt32Range); return }
        guard n >= 0, n < Int64(c.engine.keyspace.databases.count) else { out.writeError(ErrorReplies.dbIndexOutOfRange); return }
        let target = Int(n)
        guard target != c.db else { out.writeError(ErrorReplies.sameObject); return }
        let key = c.key(1)
        guard let entry = c.lookupWrite(key) else { out.writeIntegerReply(0); return }
        if c.engine.keyspace.databases[target].lookup(key, now: c.now) != nil {
            c.engine.flushExpirations(db: target)
            out.writeIntegerReply(0); return
        }
        c.engine.flushExpirations(db: target)
        c.engine.keyspace.databases[c.db].remove(key)
        c.engine.keyspace.databases[target].set(key, entry, now: c.now)
        c.signalModified(key)
        c.notify(.generic, "move_from", key)
        c.engine.notify(.generic, "move_to", key: key, db: target)
        c.engine.keyspace.databases[target].noteWrite(key)
        out.writeIntegerReply(1)
        c.recordVerbatim()
    }

    /// SWAPDB index1 index2: logged as received (it replays the same).
    static func swapdb(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let a = c.args.int64(1), a >= Int64(Int32.min), a <= Int64(Int32.max) else {
            out.writeError("ERR invalid first DB index"); return
        }
        guard let b = c.args.int64(2), b >= Int64(Int32.min), b <= Int64(Int32.max) else {
            out.writeError("ERR invalid second DB index"); return
        }
        let count = Int64(c.engine.keyspace.databases.count)
        guard a >= 0, a < count, b >= 0, b < count else { out.writeError(ErrorReplies.dbIndexOutOfRange); return }
        c.engine.flushExpirations(db: Int(a))
        c.engine.flushExpirations(db: Int(b))
        c.engine.keyspace.swapDatabases(Int(a), Int(b))
        out.writeOK()
        c.recordVerbatim()
    }

    static func copy(_ c: CommandContext, _ out: inout ReplyWriter) {
        var replace = false
        var targetDB = c.db
        var i = 3
        while i < c.args.count {
            let additional = c.args.count - i - 1
            if c.args.equals(i, lowercase: "replace") {
                replace = true
            } else if c.args.equals(i, lowercase: "db") && additional > 0 {
                guard let n = c.args.int64(i + 1) else {
                    out.writeError(ErrorReplies.notInteger); return
                }
                guard n >= Int64(Int32.min), n <= Int64(Int32.max) else {
                    out.writeError(ErrorReplies.outOfInt32Range); return
                }
                guard n >= 0, n < Int64(c.engine.keyspace.databases.count) else {
                    out.writeError(ErrorReplies.dbIndexOutOfRange); return
                }
                targetDB = Int(n)
                i += 1
            } else {
                out.writeError(ErrorReplies.syntax); return
            }
            i += 1
        }
        let source = c.key(1), target = c.key(2)
        if source == target && targetDB == c.db { out.writeError(ErrorReplies.sameObject); return }
        guard let entry = c.lookupRead(source) else { out.writeIntegerReply(0); return }
        if c.engine.keyspace.databases[targetDB].lookup(target, now: c.now) != nil {
            guard replace else {
                c.engine.flushExpirations(db: targetDB)
                out.writeIntegerReply(0); return
            }
        }
        c.engine.flushExpirations(db: targetDB)
        c.engine.keyspace.databases[targetDB].set(target, entry, now: c.now)
        out.writeIntegerReply(1)
        c.engine.notify(.generic, "copy_to", key: target, db: targetDB)
        c.recordVerbatim()
    }
}
