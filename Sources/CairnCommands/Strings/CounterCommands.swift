import NIOCore
import CairnConfig
import CairnProtocol
import CairnKeyspace

/// INCR, DECR and friends: strings that hold numbers.
enum CounterCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("incr", arity: 2, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
                    summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
                    syntax: "key", run: { c, o in incrBy(c, &o, fixed: 1) }),
        CommandSpec("decr", arity: 2, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
                    summary: "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
                    syntax: "key", run: { c, o in incrBy(c, &o, fixed: -1) }),
        CommandSpec("incrby", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
                    summary: "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
                    syntax: "key increment", run: { c, o in incrBy(c, &o, fixed: nil) }),
        CommandSpec("decrby", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string",
                    summary: "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
                    syntax: "key decrement", run: decrBy),
        CommandSpec("incrbyfloat", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "string", since: "2.6.0",
                    summary: "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
                    syntax: "key increment", run: incrByFloat),
    ]

    static func incrBy(_ c: CommandContext, _ out: inout ReplyWriter, fixed: Int64?) {
        guard let delta = fixed ?? c.args.int64(2) else { out.writeError(ErrorReplies.notInteger); return }
        apply(c, &out, delta: delta)
    }

    static func decrBy(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let amount = c.args.int64(2) else { out.writeError(ErrorReplies.notInteger); return }
        guard amount != Int64.min else { out.writeError("ERR decrement would overflow"); return }
        apply(c, &out, delta: -amount)
    }

    /// Adds `delta` to the integer stored at the key, keeping its TTL, as Redis's
    /// `incrDecrCommand` does. INCR/DECR/INCRBY/DECRBY are deterministic, so the request
    /// itself is the logged effect.
    static func apply(_ c: CommandContext, _ out: inout ReplyWriter, delta: Int64) {
        let key = c.key(1)
        let outcome: Result<Int64, CounterError> = c.engine.keyspace.databases[c.db].update(key, now: c.now) { slot in
            var current: Int64 = 0
            if let entry = slot {
                guard case .string(let bytes) = entry.value else { return .failure(.wrongType) }
                guard let value = bytes.withUnsafeBytes({ parseStrictInt64($0) }) else { return .failure(.notInteger) }
                current = value
            }
            let (result, overflow) = current.addingReportingOverflow(delta)
            guard !overflow else { return .failure(.overflow) }
            var decimal = DecimalDigits(result)
            let digits = Value.string(decimal.withBytes { ByteString($0) })
            if slot != nil { slot?.value = digits } else { slot = Entry(value: digits) }
            return .success(result)
        }
        switch outcome {
        case .success(let value):
            c.engine.keyspace.databases[c.db].noteWrite(key)
            out.writeIntegerReply(value)
            c.notify(.string, "incrby", key)
            c.recordVerbatim()
        case .failure(let error):
            out.writeError(error.message)
        }
    }

    enum CounterError: Error {
        case wrongType, notInteger, overflow
        var message: String {
            switch self {
            case .wrongType: return ErrorReplies.wrongType
            case .notInteger: return ErrorReplies.notInteger
            case .overflow: return ErrorReplies.overflow
            }
        }
    }

    static func incrByFloat(_ c: CommandContext, _ out: inout ReplyWriter) {
        let key = c.key(1)
        let entry = c.lookupWrite(key)
        var current: Float80 = 0
        if let entry {
            guard case .string(let bytes) = entry.value else { out.writeError(ErrorReplies.wrongType); return }
            guard let value = LongDouble.parse(bytes.bytes) else { out.writeError(ErrorReplies.notFloat); return }
            current = value
        }
        guard let increment = LongDouble.parse(Array(c.args[2])) else { out.writeError(ErrorReplies.notFloat); return }
        let result = current + increment
        guard !result.isNaN && !result.isInfinite else {
            out.writeError("ERR increment would produce NaN or Infinity"); return
        }
        guard let text = LongDouble.format(result) else { out.writeError(ErrorReplies.notFloat); return }
        if entry != nil {
            c.engine.keyspace.databases[c.db].setKeepingTTL(key, .string(ByteString(text)), now: c.now)
        } else {
            c.store(key, .string(ByteString(text)))
        }
        out.writeBulk(text)
        c.notify(.string, "incrbyfloat", key)
        // Float results depend on the platform's arithmetic; log the result, not the step.
        c.record([.word("SET"), .bytes(key.bytes), .bytes(text), .word("KEEPTTL")])
    }
}
