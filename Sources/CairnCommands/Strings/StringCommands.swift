import NIOCore
import CairnConfig
import CairnProtocol
import CairnKeyspace

/// GET, SET and their relatives: the commands on whole string values.
enum StringCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("get", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "string",
                    summary: "Returns the string value of a key.", syntax: "key", run: get),
        CommandSpec("set", arity: -3, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "string",
                    summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
                    syntax: "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
                    run: set),
        CommandSpec("setnx", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
                    summary: "Set the string value of a key only when the key doesn't exist.", syntax: "key value", run: setnx),
        CommandSpec("setex", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "string", since: "2.0.0",
                    summary: "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
                    syntax: "key seconds value", run: { c, o in setWithExpiry(c, &o, unit: .seconds) }),
        CommandSpec("psetex", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "string", since: "2.6.0",
                    summary: "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
                    syntax: "key milliseconds value", run: { c, o in setWithExpiry(c, &o, unit: .milliseconds) }),
        CommandSpec("getset", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
                    summary: "Returns the previous string value of a key after setting it to a new value.", syntax: "key value", run: getset),
        CommandSpec("getdel", arity: 2, flags: [.write, .fast], keys: (1, 1, 1), group: "string", since: "6.2.0",
                    summary: "Returns the string value of a key after deleting the key.", syntax: "key", run: getdel),
        CommandSpec("getex", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "string", since: "6.2.0",
                    summary: "Returns the string value of a key after setting its expiration time.",
                    syntax: "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]",
                    run: getex),
        CommandSpec("mget", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), group: "string", complexity: "O(N) where N is the number of keys to retrieve.",
                    summary: "Atomically returns the string values of one or more keys.", syntax: "key [key ...]", run: mget),
        CommandSpec("mset", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 2), group: "string", since: "1.0.1", complexity: "O(N) where N is the number of keys to set.",
                    summary: "Atomically creates or modifies the string values of one or more keys.", syntax: "key value [key value ...]", run: mset),
        CommandSpec("msetnx", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 2), group: "string", since: "1.0.1", complexity: "O(N) where N is the number of keys to set.",
                    summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.", syntax: "key value [key value ...]", run: msetnx),
        CommandSpec("append", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string", since: "2.0.0",
                    summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.", syntax: "key value", run: append),
        CommandSpec("strlen", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "string", since: "2.2.0",
                    summary: "Returns the length of a string value.", syntax: "key", run: strlen),
        CommandSpec("getrange", arity: 4, flags: [.readonly], keys: (1, 1, 1), group: "string", since: "2.4.0", complexity: "O(N) where N is the length of the returned string.",
                    summary: "Returns a substring of the string stored at a key.", syntax: "key start end", run: getrange),
        CommandSpec("setrange", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "string", since: "2.2.0",
                    summary: "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
                    syntax: "key offset value", run: setrange),
    ] + CounterCommands.specs

    // MARK: GET / SET

    static func get(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let entry = c.lookupRead(c.key(1)) else { out.writeNull(); return }
        guard case .string(let bytes) = entry.value else { out.writeError(ErrorReplies.wrongType); return }
        out.writeBulk(bytes)
    }

    static func set(_ c: CommandContext, _ out: inout ReplyWriter) {
        if c.args.count == 3 {
            // Plain SET: one hash-table operation; an old value (expired or not) is simply replaced.
            c.store(c.key(1), .string(c.value(2)))
            out.writeOK()
            c.notify(.string, "set", c.key(1))
            c.recordVerbatim()
            return
        }
        guard let options = StringOptions.parse(c.args, from: 3, mode: .set) else {
            out.writeError(ErrorReplies.syntax); return
        }
        var expireAt: Int64 = 0
        if let i = options.expireArgument {
            switch ExpireArgument.absoluteTime(c.args.int64(i), unit: options.unit, relative: options.relative, now: c.now, command: "set") {
            case .success(let ms): expireAt = ms
            case .failure(let e): out.writeError(e.message); return
            }
        }
        let key = c.key(1)
        let existing = c.lookupWrite(key)
        if options.get {
            if let existing {
                guard case .string(let old) = existing.value else { out.writeError(ErrorReplies.wrongType); return }
                out.writeBulk(old)
            } else {
                out.writeNull()
            }
        }
        if (options.nx && existing != nil) || (options.xx && existing == nil) {
            if !options.get { out.writeNull() }
            return
        }
        let value = c.value(2)
        if options.keepTTL {
            c.engine.keyspace.databases[c.db].setKeepingTTL(key, .string(value), now: c.now)
        } else {
            c.store(key, .string(value), expireAt: expireAt)
        }
        if !options.get { out.writeOK() }
        c.notify(.string, "set", key)
        if expireAt != 0 { c.notify(.generic, "expire", key) }
        if c.isRecording {
            if expireAt != 0 {
                c.record([.word("SET"), .bytes(key.bytes), .string(value), .word("PXAT"), .integer(expireAt)])
            } else if options.keepTTL {
                c.record([.word("SET"), .bytes(key.bytes), .string(value), .word("KEEPTTL")])
            } else if c.args.count == 3 {
                c.recordVerbatim()
            } else {
                c.record([.word("SET"), .bytes(key.bytes), .string(value)])
            }
        }
    }

    static func setnx(_ c: CommandContext, _ out: inout ReplyWriter) {
        let key = c.key(1)
        if c.lookupWrite(key) != nil { out.writeIntegerReply(0); return }
        c.store(key, .string(c.value(2)))
        out.writeIntegerReply(1)
        c.notify(.string, "set", key)
        c.record([.word("SET"), .bytes(key.bytes), .slice(c.args[2])])
    }

    static func setWithExpiry(_ c: CommandContext, _ out: inout ReplyWriter, unit: ExpireUnit) {
        let name = unit == .seconds ? "setex" : "psetex"
        let expireAt: Int64
        switch ExpireArgument.absoluteTime(c.args.int64(2), unit: unit, relative: true, now: c.now, command: name) {
        case .success(let ms): expireAt = ms
        case .failure(let e): out.writeError(e.message); return
        }
        let key = c.key(1)
        c.store(key, .string(c.value(3)), expireAt: expireAt)
        out.writeOK()
        c.notify(.string, "set", key)
        c.notify(.generic, "expire", key)
        c.record([.word("SET"), .bytes(key.bytes), .slice(c.args[3]), .word("PXAT"), .integer(expireAt)])
    }

    static func getset(_ c: CommandContext, _ out: inout ReplyWriter) {
        let key = c.key(1)
        if let old = c.lookupWrite(key) {
            guard case .string(let bytes) = old.value else { out.writeError(ErrorReplies.wrongType); return }
            out.writeBulk(bytes)
        } else {
            out.writeNull()
        }
        c.store(key, .string(c.value(2)))
        c.notify(.string, "set", key)
        c.record([.word("SET"), .bytes(key.bytes), .slice(c.args[2])])
    }

    static func getdel(_ c: CommandContext, _ out: inout ReplyWriter) {
        let key = c.key(1)
        guard let entry = c.lookupRead(key) else { out.writeNull(); return }
        guard case .string(let bytes) = entry.value else { out.writeError(ErrorReplies.wrongType); return }
        out.writeBulk(bytes)
        c.engine.keyspace.databases[c.db].remove(key)
        c.notify(.generic, "del", key)
        c.record([.word("DEL"), .bytes(key.bytes)])
    }

    /// Redis's order: options, then the key (nil if absent), its type, and only then the
    /// expiry value, so a missing key answers nil even with a bad time.
    static func getex(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let options = StringOptions.parse(c.args, from: 2, mode: .getex) else {
            out.writeError(ErrorReplies.syntax); return
        }
        let key = c.key(1)
        guard let entry = c.lookupRead(key) else { out.writeNull(); return }
        guard case .string(let bytes) = entry.value else { out.writeError(ErrorReplies.wrongType); return }
        var expireAt: Int64 = 0
        if let i = options.expireArgument {
            switch ExpireArgument.absoluteTime(c.args.int64(i), unit: options.unit, relative: options.relative, now: c.now, command: "getex") {
            case .success(let ms): expireAt = ms
            case .failure(let e): out.writeError(e.message); return
            }
        }
        out.writeBulk(bytes)
        if options.hasExpire {
            if expireAt <= c.now {
                c.engine.keyspace.databases[c.db].remove(key)
                c.notify(.generic, "del", key)
                c.record([.word("DEL"), .bytes(key.bytes)])
            } else {
                c.engine.keyspace.databases[c.db].setExpiry(key, at: expireAt)
                c.notify(.generic, "expire", key)
                c.record([.word("PEXPIREAT"), .bytes(key.bytes), .integer(expireAt)])
            }
        } else if options.persist && entry.isVolatile {
            c.engine.keyspace.databases[c.db].setExpiry(key, at: 0)
            c.notify(.generic, "persist", key)
            c.record([.word("PERSIST"), .bytes(key.bytes)])
        }
    }

    // MARK: Many keys

    static func mget(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeArrayHeader(c.args.count - 1)
        for i in 1..<c.args.count {
            if let entry = c.lookupRead(c.key(i)), case .string(let bytes) = entry.value {
                out.writeBulk(bytes)
            } else {
                out.writeNull()
            }
        }
    }

    static func mset(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count % 2 == 1 else { out.writeError(ErrorReplies.wrongArity("mset")); return }
        for i in stride(from: 1, to: c.args.count, by: 2) {
            c.store(c.key(i), .string(c.value(i + 1)))
            c.notify(.string, "set", c.key(i))
        }
        out.writeOK()
        c.recordVerbatim()
    }

    static func msetnx(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count % 2 == 1 else { out.writeError(ErrorReplies.wrongArity("msetnx")); return }
        for i in stride(from: 1, to: c.args.count, by: 2) where c.lookupWrite(c.key(i)) != nil {
            out.writeIntegerReply(0)
            return
        }
        for i in stride(from: 1, to: c.args.count, by: 2) {
            c.store(c.key(i), .string(c.value(i + 1)))
            c.notify(.string, "set", c.key(i))
        }
        out.writeIntegerReply(1)
        if c.isRecording {
            var parts: [Propagation.Part] = [.word("MSET")]
            for i in 1..<c.args.count { parts.append(.slice(c.args[i])) }
            c.record(parts)
        }
    }

    // MARK: Partial strings

    static func append(_ c: CommandContext, _ out: inout ReplyWriter) {
        let suffix = c.args[2]
        let limit = c.engine.settings.protoMaxBulkLen
        let key = c.key(1)
        let outcome: Result<Int, AppendError> = c.engine.keyspace.databases[c.db].update(key, now: c.now) { slot in
            guard var entry = slot else {
                slot = Entry(value: .string(ByteString(suffix)))
                return .success(suffix.count)
            }
            guard case .string(var value) = entry.value else { return .failure(.wrongType) }
            guard value.count + suffix.count <= limit else { return .failure(.tooLong) }
            // Release the slot's and the entry's references so the append happens in place.
            slot = nil
            entry.value = .string(ByteString([]))
            value.withMutableBytes { $0.append(contentsOf: suffix) }
            entry.value = .string(value)
            slot = entry
            return .success(value.count)
        }
        switch outcome {
        case .success(let length):
            c.engine.keyspace.databases[c.db].noteWrite(key)
            out.writeIntegerReply(Int64(length))
            c.notify(.string, "append", key)
            c.recordVerbatim()
        case .failure(.wrongType): out.writeError(ErrorReplies.wrongType)
        case .failure(.tooLong): out.writeError(ErrorReplies.stringTooLong)
        }
    }

    enum AppendError: Error { case wrongType, tooLong }

    static func strlen(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let entry = c.lookupRead(c.key(1)) else { out.writeIntegerReply(0); return }
        guard case .string(let bytes) = entry.value else { out.writeError(ErrorReplies.wrongType); return }
        out.writeIntegerReply(Int64(bytes.count))
    }

    static func getrange(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard var start = c.args.int64(2), var end = c.args.int64(3) else {
            out.writeError(ErrorReplies.notInteger); return
        }
        guard let entry = c.lookupRead(c.key(1)) else { out.writeBulk([UInt8]()); return }
        guard case .string(let bytes) = entry.value else { out.writeError(ErrorReplies.wrongType); return }
        let length = Int64(bytes.count)
        if start < 0 && end < 0 && start > end { out.writeBulk([UInt8]()); return }
        if start < 0 { start = length + start }
        if end < 0 { end = length + end }
        if start < 0 { start = 0 }
        if end < 0 { end = 0 }
        if end >= length { end = length - 1 }
        if start > end || length == 0 { out.writeBulk([UInt8]()); return }
        bytes.withUnsafeBytes { out.writeBulk(raw: UnsafeRawBufferPointer(rebasing: $0[Int(start)...Int(end)])) }
    }

    static func setrange(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let offset = c.args.int64(2) else { out.writeError(ErrorReplies.notInteger); return }
        guard offset >= 0 else { out.writeError(ErrorReplies.offsetOutOfRange); return }
        let key = c.key(1)
        let patch = c.args[3]
        let entry = c.lookupWrite(key)
        if let entry {
            guard case .string(let current) = entry.value else { out.writeError(ErrorReplies.wrongType); return }
            if patch.isEmpty { out.writeIntegerReply(Int64(current.count)); return }
        } else if patch.isEmpty {
            out.writeIntegerReply(0); return
        }
        // Compared without adding: the offset may be anything up to Int64.max.
        guard offset <= Int64(c.engine.settings.protoMaxBulkLen) - Int64(patch.count) else {
            out.writeError(ErrorReplies.stringTooLong); return
        }
        let start = Int(offset)
        let length = c.engine.keyspace.databases[c.db].update(key, now: c.now) { slot -> Int in
            var entry = slot ?? Entry(value: .string(ByteString([])))
            guard case .string(var value) = entry.value else { return 0 }
            slot = nil
            entry.value = .string(ByteString([]))
            value.withMutableBytes { bytes in
                let needed = start + patch.count
                if bytes.count < needed { bytes.append(contentsOf: repeatElement(0, count: needed - bytes.count)) }
                bytes.replaceSubrange(start..<needed, with: patch)
            }
            entry.value = .string(value)
            slot = entry
            return value.count
        }
        c.engine.keyspace.databases[c.db].noteWrite(key)
        out.writeIntegerReply(Int64(length))
        c.notify(.string, "setrange", key)
        c.recordVerbatim()
    }
}
