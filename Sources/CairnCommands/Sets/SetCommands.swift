import CairnProtocol
import CairnConfig
import CairnKeyspace

/// Sets: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER
/// SINTERCARD SUNION SDIFF, their STORE forms and SSCAN, with Redis 7.0's replies and
/// errors. Members come in no particular order, as in Redis. Random picks are logged as
/// their results: SPOP as the SREM of what it popped, a STORE as DEL plus the SADD of
/// the result, so a replay never depends on chance.
enum SetCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("sadd", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "set",
                    complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
                    summary: "Add one or more members to a set", syntax: "key member [member ...]", run: add),
        CommandSpec("srem", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "set",
                    complexity: "O(N) where N is the number of members to be removed.",
                    summary: "Remove one or more members from a set", syntax: "key member [member ...]", run: remove),
        CommandSpec("smembers", arity: 2, flags: [.readonly], keys: (1, 1, 1), group: "set",
                    complexity: "O(N) where N is the set cardinality.",
                    summary: "Get all the members in a set", syntax: "key",
                    run: { c, o in if let s = read(c, c.key(1), &o) { writeMembers(s, &o) } }),
        CommandSpec("sismember", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "set",
                    summary: "Determine if a given value is a member of a set", syntax: "key member",
                    run: { c, o in if let s = read(c, c.key(1), &o) { o.writeIntegerReply(s.contains(c.value(2)) ? 1 : 0) } }),
        CommandSpec("smismember", arity: -3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "set", since: "6.2.0",
                    complexity: "O(N) where N is the number of elements being checked for membership",
                    summary: "Returns the membership associated with the given elements for a set", syntax: "key member [member ...]",
                    run: { c, o in
                        guard let s = read(c, c.key(1), &o) else { return }
                        o.writeArrayHeader(c.args.count - 2)
                        for i in 2..<c.args.count { o.writeIntegerReply(s.contains(c.value(i)) ? 1 : 0) }
                    }),
        CommandSpec("scard", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "set",
                    summary: "Get the number of members in a set", syntax: "key",
                    run: { c, o in if let s = read(c, c.key(1), &o) { o.writeIntegerReply(Int64(s.count)) } }),
        CommandSpec("spop", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "set",
                    complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
                    summary: "Remove and return one or multiple random members from a set", syntax: "key [count]", run: pop),
        CommandSpec("srandmember", arity: -2, flags: [.readonly], keys: (1, 1, 1), group: "set",
                    complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
                    summary: "Get one or multiple random members from a set", syntax: "key [count]", run: randomMember),
        CommandSpec("smove", arity: 4, flags: [.write, .fast], keys: (1, 2, 1), group: "set",
                    summary: "Move a member from one set to another", syntax: "source destination member", run: move),
        CommandSpec("sinter", arity: -2, flags: [.readonly], keys: (1, -1, 1), group: "set",
                    complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
                    summary: "Intersect multiple sets", syntax: "key [key ...]",
                    run: { c, o in combine(c, &o, .intersection, from: 1, store: nil) }),
        CommandSpec("sintercard", arity: -3, flags: [.readonly], keys: (0, 0, 0), group: "set", since: "7.0.0",
                    complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
                    summary: "Intersect multiple sets and return the cardinality of the result",
                    syntax: "numkeys key [key ...] [LIMIT limit]", run: intersectionCount),
        CommandSpec("sunion", arity: -2, flags: [.readonly], keys: (1, -1, 1), group: "set",
                    complexity: "O(N) where N is the total number of elements in all given sets.",
                    summary: "Add multiple sets", syntax: "key [key ...]",
                    run: { c, o in combine(c, &o, .union, from: 1, store: nil) }),
        CommandSpec("sdiff", arity: -2, flags: [.readonly], keys: (1, -1, 1), group: "set",
                    complexity: "O(N) where N is the total number of elements in all given sets.",
                    summary: "Subtract multiple sets", syntax: "key [key ...]",
                    run: { c, o in combine(c, &o, .difference, from: 1, store: nil) }),
        CommandSpec("sinterstore", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 1), group: "set",
                    complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
                    summary: "Intersect multiple sets and store the resulting set in a key", syntax: "destination key [key ...]",
                    run: { c, o in combine(c, &o, .intersection, from: 2, store: c.key(1)) }),
        CommandSpec("sunionstore", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 1), group: "set",
                    complexity: "O(N) where N is the total number of elements in all given sets.",
                    summary: "Add multiple sets and store the resulting set in a key", syntax: "destination key [key ...]",
                    run: { c, o in combine(c, &o, .union, from: 2, store: c.key(1)) }),
        CommandSpec("sdiffstore", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 1), group: "set",
                    complexity: "O(N) where N is the total number of elements in all given sets.",
                    summary: "Subtract multiple sets and store the resulting set in a key", syntax: "destination key [key ...]",
                    run: { c, o in combine(c, &o, .difference, from: 2, store: c.key(1)) }),
        CommandSpec("sscan", arity: -3, flags: [.readonly], keys: (1, 1, 1), group: "set", since: "2.8.0",
                    complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
                    summary: "Incrementally iterate Set elements", syntax: "key cursor [MATCH pattern] [COUNT count]", run: scan),
    ]

    // MARK: Reading

    /// The set at `key` (empty when absent), or nil after replying WRONGTYPE. O(1).
    static func read(_ c: CommandContext, _ key: Key, _ out: inout ReplyWriter) -> MemberSet? {
        c.readOrEmpty(key, as: MemberSet.self, &out)
    }

    static func writeMembers(_ members: MemberSet, _ out: inout ReplyWriter) {
        out.writeSetHeader(members.count)
        for member in members { out.writeBulk(member) }
    }

    static func randomMember(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count <= 3 else { out.writeError(ErrorReplies.syntax); return }
        guard c.args.count == 3 else {
            guard let members = read(c, c.key(1), &out) else { return }
            if members.isEmpty { out.writeNull(); return }
            out.writeBulk(members.member(at: Int.random(in: 0..<members.count, using: &c.engine.random)))
            return
        }
        guard let count = CollectionArguments.randomCount(c, at: 2, &out) else { return }
        guard let members = read(c, c.key(1), &out) else { return }
        let picked = CollectionArguments.randomPositions(count: count, size: members.count, using: &c.engine.random)
        out.writeArrayHeader(picked.count)
        for at in picked { out.writeBulk(members.member(at: at)) }
    }

    /// SINTERCARD numkeys key [key ...] [LIMIT limit]. O(N*M).
    static func intersectionCount(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let numkeys = c.args.int64(1), numkeys > 0 else { out.writeError("ERR numkeys should be greater than 0"); return }
        guard numkeys <= Int64(c.args.count - 2) else { out.writeError("ERR Number of keys can't be greater than number of args"); return }
        let end = 2 + Int(numkeys)
        var limit = Int.max
        var i = end
        while i < c.args.count {
            guard c.args.equals(i, lowercase: "limit"), i + 1 < c.args.count else { out.writeError(ErrorReplies.syntax); return }
            guard let n = c.args.int64(i + 1), n >= 0 else { out.writeError("ERR LIMIT can't be negative"); return }
            limit = n == 0 ? Int.max : Int(clamping: n)
            i += 2
        }
        guard let result = gather(c, &out, .intersection, keys: 2..<end, limit: limit) else { return }
        out.writeIntegerReply(Int64(result.count))
    }

    enum Operation { case intersection, union, difference }

    /// The sets at argument positions `keys` combined. Every key's type is checked first
    /// (a missing key is an empty set), as Redis does. Nil after replying WRONGTYPE.
    static func gather(_ c: CommandContext, _ out: inout ReplyWriter, _ operation: Operation,
                       keys: Range<Int>, limit: Int = Int.max) -> [ByteString]? {
        var sets: [MemberSet] = []
        for i in keys {
            guard let members = read(c, c.key(i), &out) else { return nil }
            sets.append(members)
        }
        switch operation {
        case .intersection:
            guard let smallest = sets.indices.min(by: { sets[$0].count < sets[$1].count }) else { return [] }
            var result: [ByteString] = []
            for member in sets[smallest] where result.count < limit {
                if sets.indices.allSatisfy({ $0 == smallest || sets[$0].contains(member) }) { result.append(member) }
            }
            return result
        case .union:
            var seen = MemberSet()
            for set in sets { for member in set { seen.insert(member) } }
            return Array(seen)
        case .difference:
            guard let first = sets.first else { return [] }
            return first.filter { member in !sets.dropFirst().contains { $0.contains(member) } }
        }
    }

    /// SINTER/SUNION/SDIFF, and with `store` their STORE forms: the result replaces the
    /// destination (deleted when empty), logged as DEL plus the SADD of the result.
    static func combine(_ c: CommandContext, _ out: inout ReplyWriter, _ operation: Operation, from first: Int, store: Key?) {
        guard let result = gather(c, &out, operation, keys: first..<c.args.count) else { return }
        guard let destination = store else {
            out.writeSetHeader(result.count)
            for member in result { out.writeBulk(member) }
            return
        }
        let existed = c.engine.keyspace.databases[c.db].remove(destination) != nil
        if !result.isEmpty {
            c.store(destination, .set(MemberSet(result, limits: c.setLimits)))
        }
        if existed || !result.isEmpty { c.signalModified(destination) }
        let event: StaticString = operation == .intersection ? "sinterstore" : operation == .union ? "sunionstore" : "sdiffstore"
        c.notifyStored(destination, stored: !result.isEmpty, existed: existed, .set, event)
        out.writeIntegerReply(Int64(result.count))
        guard existed || !result.isEmpty else { return }
        c.record([.word("DEL"), .bytes(destination.bytes)])
        c.recordChunked("SADD", destination, result.map { [.bytes($0.bytes)] })
    }

    /// SSCAN key cursor [MATCH pattern] [COUNT count]: positions walked from the end
    /// (see `MemberSet`); the cursor is how many positions remain. O(count); an intset
    /// whole, O(n ≤ set-max-intset-entries).
    static func scan(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let (cursor, members, pattern, count) = c.scanTarget(as: MemberSet.self, &out) else { return }
        var remaining = cursor == 0 || cursor > UInt64(members.count) ? members.count : Int(cursor)
        // An intset answers whole, as Redis does for its compact encodings: its inserts
        // shift members, so positions are no cursor.
        let budget = members.encoding == .intset ? Int.max : count
        var found: [ByteString] = []
        var visited = 0
        while remaining > 0 && visited < budget {
            remaining -= 1
            visited += 1
            let member = members.member(at: remaining)
            if let pattern, !member.withUnsafeBytes({ GlobPattern.matches(pattern, $0) }) { continue }
            found.append(member)
        }
        out.writeArrayHeader(2)
        out.writeBulk(String(remaining))
        out.writeArrayHeader(found.count)
        for member in found { out.writeBulk(member) }
    }

    // MARK: Writing

    static func add(_ c: CommandContext, _ out: inout ReplyWriter) {
        let key = c.key(1)
        guard let outcome = c.modify(key, as: MemberSet.self, create: true, { members -> Result<Int, WriteRefusal> in
            var added = 0
            for i in 2..<c.args.count where members.insert(c.value(i), limits: c.setLimits) { added += 1 }
            return .success(added)
        }), let added = c.unwrap(outcome, &out) else { return }
        out.writeIntegerReply(Int64(added))
        guard added > 0 else { return }
        c.signalModified(key, .set, "sadd")
        c.recordVerbatim()
    }

    static func remove(_ c: CommandContext, _ out: inout ReplyWriter) {
        c.removeMembers(as: MemberSet.self, event: (.set, "srem"), &out) { $0.remove($1) }
    }

    /// SPOP key [count]: random members removed; logged as the SREM of them.
    static func pop(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let count = CollectionArguments.popCount(c, &out) else { return }
        let key = c.key(1)
        guard let outcome = c.modify(key, as: MemberSet.self, create: false, { members -> Result<[ByteString], WriteRefusal> in
            var popped: [ByteString] = []
            let n = min(count ?? 1, members.count)
            popped.reserveCapacity(n)
            for _ in 0..<n {
                let member = members.member(at: Int.random(in: 0..<members.count, using: &c.engine.random))
                members.remove(member)
                popped.append(member)
            }
            return .success(popped)
        }) else {
            if count == nil { out.writeNull() } else { out.writeSetHeader(0) }
            return
        }
        guard let popped = c.unwrap(outcome, &out) else { return }
        if count == nil {
            if let first = popped.first { out.writeBulk(first) } else { out.writeNull() }
        } else {
            out.writeSetHeader(popped.count)
            for member in popped { out.writeBulk(member) }
        }
        guard !popped.isEmpty else { return }
        c.signalModified(key, .set, "spop")
        c.recordChunked("SREM", key, popped.map { [.bytes($0.bytes)] })
    }

    /// SMOVE source destination member. Both types are checked first, as Redis does.
    static func move(_ c: CommandContext, _ out: inout ReplyWriter) {
        let source = c.key(1), destination = c.key(2), member = c.value(3)
        let from: MemberSet
        switch c.read(source, as: MemberSet.self, &out) {
        case .refused: return
        case .absent: out.writeIntegerReply(0); return
        case .found(let members): from = members
        }
        guard read(c, destination, &out) != nil else { return }
        guard from.contains(member) else { out.writeIntegerReply(0); return }
        if source == destination { out.writeIntegerReply(1); return }
        _ = c.modify(source, as: MemberSet.self, create: false) { members -> Result<Void, WriteRefusal> in
            members.remove(member)
            return .success(())
        }
        _ = c.modify(destination, as: MemberSet.self, create: true) { members -> Result<Void, WriteRefusal> in
            members.insert(member, limits: c.setLimits)
            return .success(())
        }
        c.signalModified(source, .set, "srem")
        c.signalModified(destination, .set, "sadd")
        out.writeIntegerReply(1)
        c.recordVerbatim()
    }
}
