import CairnKeyspace
import CairnProtocol

/// Consumer groups: XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM with Redis 7.0's parsing,
/// order of checks, replies and errors.
///
/// Logged deterministically: XGROUP and XACK as received (their effects depend only on
/// the state the log has rebuilt), XCLAIM and XAUTOCLAIM as one `XCLAIM … FORCE JUSTID`
/// per pending entry they changed, with its delivery time and count, as Redis
/// propagates them; a LASTID that moved the group alone as `XGROUP SETID`.
enum StreamGroupCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("xgroup", arity: -2, flags: [], group: "stream", since: "5.0.0", complexity: "Depends on subcommand.",
                    summary: "A container for consumer groups commands.", subcommands: [
            CommandSpec("xgroup|create", arity: -5, flags: [.write, .denyOOM], keys: (2, 2, 1), group: "stream", since: "5.0.0",
                        summary: "Creates a consumer group.",
                        syntax: "key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]", run: create),
            CommandSpec("xgroup|setid", arity: -5, flags: [.write], keys: (2, 2, 1), group: "stream", since: "5.0.0",
                        summary: "Sets the last-delivered ID of a consumer group.",
                        syntax: "key group <id | $> [ENTRIESREAD entries-read]", run: setID),
            CommandSpec("xgroup|destroy", arity: 4, flags: [.write], keys: (2, 2, 1), group: "stream", since: "5.0.0",
                        complexity: "O(N) where N is the number of entries in the group's pending entries list (PEL).",
                        summary: "Destroys a consumer group.", syntax: "key group", run: destroy),
            CommandSpec("xgroup|createconsumer", arity: 5, flags: [.write, .denyOOM], keys: (2, 2, 1), group: "stream", since: "6.2.0",
                        summary: "Creates a consumer in a consumer group.", syntax: "key group consumer", run: createConsumer),
            CommandSpec("xgroup|delconsumer", arity: 5, flags: [.write], keys: (2, 2, 1), group: "stream", since: "5.0.0",
                        summary: "Deletes a consumer from a consumer group.", syntax: "key group consumer", run: deleteConsumer),
            CommandSpec("xgroup|help", arity: 2, flags: [.loading, .stale], group: "stream", since: "5.0.0",
                        summary: "Returns helpful text about the different subcommands.", run: help),
        ], run: { _, _ in }),
        CommandSpec("xack", arity: -4, flags: [.write, .fast], keys: (1, 1, 1), group: "stream", since: "5.0.0",
                    complexity: "O(1) for each message ID processed.",
                    summary: "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.",
                    syntax: "key group id [id ...]", run: acknowledge),
        CommandSpec("xpending", arity: -3, flags: [.readonly], keys: (1, 1, 1), group: "stream", since: "5.0.0",
                    complexity: "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
                    summary: "Returns the information and entries from a stream consumer group's pending entries list.",
                    syntax: "key group [[IDLE min-idle-time] start end count [consumer]]", run: pending),
        CommandSpec("xclaim", arity: -6, flags: [.write, .fast], keys: (1, 1, 1), group: "stream", since: "5.0.0",
                    complexity: "O(log N) with N being the number of messages in the PEL of the consumer group.",
                    summary: "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.",
                    syntax: "key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]",
                    run: claim),
        CommandSpec("xautoclaim", arity: -6, flags: [.write, .fast], keys: (1, 1, 1), group: "stream", since: "6.2.0",
                    complexity: "O(1) if COUNT is small.",
                    summary: "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.",
                    syntax: "key group consumer min-idle-time start [COUNT count] [JUSTID]", run: autoClaim),
    ]

    static func noGroup(_ c: CommandContext, key: Int, group: Int) -> String {
        "NOGROUP No such key '\(c.args.string(key))' or consumer group '\(c.args.string(group))'"
    }

    // MARK: XGROUP

    /// What the XGROUP subcommands share: the options after the ID, the key (created by
    /// MKSTREAM), and whether the group must exist. Nil after replying.
    struct GroupTarget {
        var stream: Stream?
        var makeStream = false
        var entriesRead = StreamGroup.unknownEntriesRead
    }

    /// Redis's common part of `xgroupCommand`, in its order of checks.
    static func target(_ c: CommandContext, groupMustExist: Bool, _ out: inout ReplyWriter) -> GroupTarget? {
        var t = GroupTarget()
        let isCreate = c.args.equals(1, lowercase: "create"), isSetID = c.args.equals(1, lowercase: "setid")
        var i = 5
        while i < c.args.count {
            if isCreate && c.args.equals(i, lowercase: "mkstream") {
                t.makeStream = true
                i += 1
            } else if (isCreate || isSetID) && c.args.equals(i, lowercase: "entriesread") && i + 1 < c.args.count {
                guard let n = c.args.int64(i + 1) else { out.writeError(ErrorReplies.notInteger); return nil }
                guard n >= 0 || n == StreamGroup.unknownEntriesRead else {
                    out.writeError("ERR value for ENTRIESREAD must be positive or -1"); return nil
                }
                t.entriesRead = n
                i += 2
            } else {
                out.writeError(subcommandSyntax(c)); return nil
            }
        }
        if let entry = c.lookupWrite(c.key(2)) {
            guard let stream = Stream.payload(of: entry.value) else { out.writeError(ErrorReplies.wrongType); return nil }
            t.stream = stream
        }
        guard !t.makeStream else { return t }
        guard let stream = t.stream else {
            out.writeError("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
            return nil
        }
        if groupMustExist && stream.groups[c.value(3)] == nil {
            out.writeError("NOGROUP No such consumer group '\(c.args.string(3))' for key name '\(c.args.string(2))'")
            return nil
        }
        return t
    }

    /// Redis's `addReplySubcommandSyntaxError`.
    static func subcommandSyntax(_ c: CommandContext) -> String {
        "ERR unknown subcommand or wrong number of arguments for '\(c.args.string(1).prefix(128))'. Try \(c.args.string(0).uppercased()) HELP."
    }

    /// `$` (the stream's last ID) or an ID (SETID also takes `-` and `+`); nil after replying.
    static func groupID(_ c: CommandContext, _ i: Int, _ stream: Stream?, strict: Bool, _ out: inout ReplyWriter) -> StreamID? {
        if c.args.length(i) == 1 {
            switch c.args.withUnsafeBytes(i, { $0[0] }) {
            case UInt8(ascii: "$"): return stream?.lastID ?? .zero
            case UInt8(ascii: "-") where !strict: return .zero
            case UInt8(ascii: "+") where !strict: return .max
            default: break
            }
        }
        guard let id = c.args.withUnsafeBytes(i, { StreamID(parsing: $0, missingSequence: 0) }) else {
            out.writeError(StreamCommands.invalidID); return nil
        }
        return id
    }

    static func create(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let t = target(c, groupMustExist: false, &out) else { return }
        guard c.args.count <= 8 else { out.writeError(subcommandSyntax(c)); return }
        guard let id = groupID(c, 4, t.stream, strict: true, &out) else { return }
        let key = c.key(2), name = c.value(3)
        let created = c.modify(key, as: Stream.self, create: true) { stream -> Result<Bool, WriteRefusal> in
            guard stream.groups[name] == nil else { return .success(false) }
            stream.groups[name] = StreamGroup(lastDeliveredID: id, entriesRead: t.entriesRead)
            return .success(true)
        }
        if t.stream == nil { c.signalModified(key) }
        guard case .success(true) = created else { out.writeError("BUSYGROUP Consumer Group name already exists"); return }
        out.writeOK()
        c.recordVerbatim()
        c.notify(.stream, "xgroup-create", key)
    }

    static func setID(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let t = target(c, groupMustExist: true, &out) else { return }
        guard c.args.count == 5 || c.args.count == 7 else { out.writeError(subcommandSyntax(c)); return }
        guard let id = groupID(c, 4, t.stream, strict: false, &out) else { return }
        let key = c.key(2), name = c.value(3)
        _ = c.modify(key, as: Stream.self, create: false) { stream -> Result<Void, WriteRefusal> in
            stream.groups[name]?.lastDeliveredID = id
            stream.groups[name]?.entriesRead = t.entriesRead
            return .success(())
        }
        out.writeOK()
        c.recordVerbatim()
        c.notify(.stream, "xgroup-setid", key)
    }

    static func destroy(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard target(c, groupMustExist: false, &out) != nil else { return }
        let key = c.key(2), name = c.value(3)
        let outcome = c.modify(key, as: Stream.self, create: false) { stream -> Result<Bool, WriteRefusal> in
            .success(stream.groups.removeValue(forKey: name) != nil)
        }
        guard case .success(true) = outcome else { out.writeIntegerReply(0); return }
        out.writeIntegerReply(1)
        c.recordVerbatim()
        c.notify(.stream, "xgroup-destroy", key)
        // Readers parked in XREADGROUP on this group get to answer NOGROUP.
        c.engine.keyspace.databases[c.db].signalReady(key)
    }

    static func createConsumer(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard target(c, groupMustExist: true, &out) != nil else { return }
        let key = c.key(2), name = c.value(3), consumer = c.value(4)
        let now = c.now
        let outcome = c.modify(key, as: Stream.self, create: false) { stream -> Result<Bool, WriteRefusal> in
            .success(stream.groups[name]?.createConsumer(consumer, now: now) ?? false)
        }
        guard case .success(true) = outcome else { out.writeIntegerReply(0); return }
        out.writeIntegerReply(1)
        c.recordVerbatim()
        c.notify(.stream, "xgroup-createconsumer", key)
    }

    static func deleteConsumer(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard target(c, groupMustExist: true, &out) != nil else { return }
        let key = c.key(2), name = c.value(3), consumer = c.value(4)
        var existed = false
        let outcome = c.modify(key, as: Stream.self, create: false) { stream -> Result<Int, WriteRefusal> in
            existed = stream.groups[name]?.consumers[consumer] != nil
            return .success(stream.groups[name]?.deleteConsumer(consumer) ?? 0)
        }
        guard case .success(let pending) = outcome else { out.writeIntegerReply(0); return }
        out.writeIntegerReply(Int64(pending))
        guard existed else { return }
        c.recordVerbatim()
        c.notify(.stream, "xgroup-delconsumer", key)
    }

    static func help(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeHelp([
            "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
            "HELP",
            "    Prints this help.",
        ])
    }

    // MARK: XACK

    static func acknowledge(_ c: CommandContext, _ out: inout ReplyWriter) {
        let key = c.key(1), name = c.value(2)
        switch c.read(key, as: Stream.self, &out) {
        case .refused: return
        case .absent: out.writeIntegerReply(0); return
        case .found(let stream): guard stream.groups[name] != nil else { out.writeIntegerReply(0); return }
        }
        // All IDs first: the reply cannot be an error once some were acknowledged.
        var ids: [StreamID] = []
        ids.reserveCapacity(c.args.count - 3)
        for i in 3..<c.args.count {
            guard let id = c.args.withUnsafeBytes(i, { StreamID(parsing: $0, missingSequence: 0) }) else {
                out.writeError(StreamCommands.invalidID); return
            }
            ids.append(id)
        }
        let outcome = c.modify(key, as: Stream.self, create: false) { stream -> Result<Int, WriteRefusal> in
            .success(ids.reduce(0) { $0 + (stream.groups[name]?.acknowledge($1) == true ? 1 : 0) })
        }
        guard case .success(let acknowledged) = outcome else { out.writeIntegerReply(0); return }
        out.writeIntegerReply(Int64(acknowledged))
        if acknowledged > 0 { c.recordVerbatim() }
    }

    // MARK: XPENDING

    static func pending(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count == 3 || (6...9).contains(c.args.count) else { out.writeError(ErrorReplies.syntax); return }
        var minIdle: Int64 = 0
        var start = StreamID.zero, end = StreamID.max, count = 0
        var consumerName: ByteString?
        let extended = c.args.count >= 6
        if extended {
            var first = 3
            if c.args.equals(3, lowercase: "idle") {
                guard let n = c.args.int64(4) else { out.writeError(ErrorReplies.notInteger); return }
                minIdle = n
                guard c.args.count >= 8 else { out.writeError(ErrorReplies.syntax); return }
                first = 5
            }
            guard let n = c.args.int64(first + 2) else { out.writeError(ErrorReplies.notInteger); return }
            count = n < 0 ? 0 : Int(clamping: n)
            guard let s = StreamCommands.bound(c, first, isStart: true, &out),
                  let e = StreamCommands.bound(c, first + 1, isStart: false, &out) else { return }
            start = s
            end = e
            if first + 3 < c.args.count { consumerName = c.value(first + 3) }
        }
        let name = c.value(2)
        let group: StreamGroup
        switch c.read(c.key(1), as: Stream.self, &out) {
        case .refused: return
        case .absent: out.writeError(noGroup(c, key: 1, group: 2)); return
        case .found(let stream):
            guard let found = stream.groups[name] else { out.writeError(noGroup(c, key: 1, group: 2)); return }
            group = found
        }
        guard extended else {
            out.writeArrayHeader(4)
            out.writeIntegerReply(Int64(group.pending.count))
            guard let first = group.pending.first, let last = group.pending.last else {
                out.writeNull()
                out.writeNull()
                out.writeNullArray()
                return
            }
            first.withText { out.writeBulk(raw: $0) }
            last.withText { out.writeBulk(raw: $0) }
            let holders = group.consumersByName.filter { !$0.consumer.pending.isEmpty }
            out.writeArrayHeader(holders.count)
            for (name, consumer) in holders {
                out.writeArrayHeader(2)
                out.writeBulk(name.bytes)
                out.writeBulkDecimal(Int64(consumer.pending.count))
            }
            return
        }
        var rows: [(StreamID, PendingEntry)] = []
        let now = c.now
        let take: (StreamID, PendingEntry) -> Bool = { id, entry in
            guard rows.count < count else { return false }
            if minIdle != 0 && now &- entry.deliveryTime < minIdle { return true }
            rows.append((id, entry))
            return rows.count < count
        }
        if let consumerName {
            // A consumer that does not exist has nothing pending.
            guard let consumer = group.consumers[consumerName] else { out.writeArrayHeader(0); return }
            consumer.pending.walk(from: start, through: end) { id, _ in
                group.pending[id].map { take(id, $0) } ?? true
            }
        } else if count > 0 {
            group.pending.walk(from: start, through: end, take)
        }
        out.writeArrayHeader(rows.count)
        for (id, entry) in rows {
            out.writeArrayHeader(4)
            id.withText { out.writeBulk(raw: $0) }
            out.writeBulk(entry.consumer.bytes)
            out.writeIntegerReply(max(0, now &- entry.deliveryTime))
            out.writeIntegerReply(entry.deliveryCount)
        }
    }

    // MARK: XCLAIM and XAUTOCLAIM

    static func claim(_ c: CommandContext, _ out: inout ReplyWriter) {
        let key = c.key(1), name = c.value(2), consumerName = c.value(3)
        switch c.read(key, as: Stream.self, &out) {
        case .refused: return
        case .absent: out.writeError(noGroup(c, key: 1, group: 2)); return
        case .found(let stream): guard stream.groups[name] != nil else { out.writeError(noGroup(c, key: 1, group: 2)); return }
        }
        guard var minIdle = c.args.int64(4) else { out.writeError("ERR Invalid min-idle-time argument for XCLAIM"); return }
        if minIdle < 0 { minIdle = 0 }
        // IDs until one does not parse: the rest are options.
        var ids: [StreamID] = []
        var i = 5
        while i < c.args.count, let id = c.args.withUnsafeBytes(i, { StreamID(parsing: $0, missingSequence: 0) }) {
            ids.append(id)
            i += 1
        }
        let now = c.now
        var deliveryTime: Int64?
        var retryCount: Int64 = -1
        var force = false, justID = false
        var lastID = StreamID.zero
        while i < c.args.count {
            let more = c.args.count - 1 - i
            if c.args.equals(i, lowercase: "force") {
                force = true
            } else if c.args.equals(i, lowercase: "justid") {
                justID = true
            } else if c.args.equals(i, lowercase: "idle") && more > 0 {
                i += 1
                guard let idle = c.args.int64(i) else { out.writeError("ERR Invalid IDLE option argument for XCLAIM"); return }
                deliveryTime = now &- idle
            } else if c.args.equals(i, lowercase: "time") && more > 0 {
                i += 1
                guard let time = c.args.int64(i) else { out.writeError("ERR Invalid TIME option argument for XCLAIM"); return }
                deliveryTime = time
            } else if c.args.equals(i, lowercase: "retrycount") && more > 0 {
                i += 1
                guard let n = c.args.int64(i) else { out.writeError("ERR Invalid RETRYCOUNT option argument for XCLAIM"); return }
                retryCount = n
            } else if c.args.equals(i, lowercase: "lastid") && more > 0 {
                i += 1
                guard let id = c.args.withUnsafeBytes(i, { StreamID(parsing: $0, missingSequence: 0) }) else {
                    out.writeError(StreamCommands.invalidID); return
                }
                lastID = id
            } else {
                out.writeError("ERR Unrecognized XCLAIM option '\(c.args.string(i))'"); return
            }
            i += 1
        }
        // A bogus time (negative, or in the future) is now: clients compute it from their clocks.
        let time = deliveryTime.map { $0 < 0 || $0 > now ? now : $0 } ?? now

        var effects: [[Propagation.Part]] = []
        var replies: [(StreamID, StreamEntry?)] = []
        let createdConsumer = changeGroup(c, key, name, consumer: consumerName) { group, stream in
            var moved = false
            if lastID > group.lastDeliveredID {
                group.lastDeliveredID = lastID
                moved = true
            }
            for id in ids {
                let existing = group.pending[id]
                guard let found = stream.range(id, id).first else {
                    // The entry is gone: its pending entry goes too.
                    if let existing {
                        effects.append(StreamReadCommands.claimEffect(key, name, id, existing, lastID: group.lastDeliveredID))
                        group.acknowledge(id)
                        moved = false
                    }
                    continue
                }
                guard existing != nil || force else { continue }
                if let existing, minIdle > 0, now &- existing.deliveryTime < minIdle { continue }
                // A pending entry FORCE creates starts at one delivery (Redis's `streamCreateNACK`).
                var count = existing?.deliveryCount ?? 1
                if retryCount >= 0 { count = retryCount } else if !justID { count &+= 1 }
                group.assign(id, to: consumerName, deliveryTime: time, deliveryCount: count, now: now)
                group.consumers[consumerName]?.seenTime = now
                replies.append((id, justID ? nil : found))
                if let entry = group.pending[id] {
                    effects.append(StreamReadCommands.claimEffect(key, name, id, entry, lastID: group.lastDeliveredID))
                }
                moved = false
            }
            if moved { effects.append(StreamReadCommands.setIDEffect(key, name, group)) }
        }
        out.writeArrayHeader(replies.count)
        for (id, entry) in replies {
            if let entry { StreamCommands.writeEntry(entry, &out) } else { id.withText { out.writeBulk(raw: $0) } }
        }
        c.record(effects)
        if createdConsumer { c.notify(.stream, "xgroup-createconsumer", key) }
    }

    /// Runs `body` on group `name` of the stream at `key` (both known to exist), changed
    /// in place; returns whether `consumer` was created on the way. O(1) plus the body.
    static func changeGroup(_ c: CommandContext, _ key: Key, _ name: ByteString, consumer: ByteString,
                            _ body: (inout StreamGroup, Stream) -> Void) -> Bool {
        var created = false
        _ = c.modify(key, as: Stream.self, create: false) { stream -> Result<Void, WriteRefusal> in
            guard var group = stream.groups.removeValue(forKey: name) else { return .success(()) }
            let existed = group.consumers[consumer] != nil
            body(&group, stream)
            created = !existed && group.consumers[consumer] != nil
            stream.groups[name] = group
            return .success(())
        }
        return created
    }

    static func autoClaim(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard var minIdle = c.args.int64(4) else { out.writeError("ERR Invalid min-idle-time argument for XAUTOCLAIM"); return }
        if minIdle < 0 { minIdle = 0 }
        guard let start = StreamCommands.bound(c, 5, isStart: true, &out) else { return }
        var count = 100, justID = false
        var i = 6
        while i < c.args.count {
            if c.args.equals(i, lowercase: "count") && i + 1 < c.args.count {
                // Redis bounds it so count × 10 attempts cannot overflow.
                guard let n = c.args.int64(i + 1), n >= 1, n <= Int64.max / 16 else {
                    out.writeError("ERR COUNT must be > 0"); return
                }
                count = Int(n)
                i += 1
            } else if c.args.equals(i, lowercase: "justid") {
                justID = true
            } else {
                out.writeError(ErrorReplies.syntax); return
            }
            i += 1
        }
        let key = c.key(1), name = c.value(2), consumerName = c.value(3)
        switch c.read(key, as: Stream.self, &out) {
        case .refused: return
        case .absent: out.writeError(noGroup(c, key: 1, group: 2)); return
        case .found(let stream): guard stream.groups[name] != nil else { out.writeError(noGroup(c, key: 1, group: 2)); return }
        }
        let now = c.now
        var effects: [[Propagation.Part]] = []
        var claimed: [(StreamID, StreamEntry?)] = []
        var deleted: [StreamID] = []
        var cursor = StreamID.zero
        let createdConsumer = changeGroup(c, key, name, consumer: consumerName) { group, stream in
            // The PEL entries this call may look at (count × 10 attempts), and the one after.
            var candidates: [(StreamID, PendingEntry)] = []
            let attempts = count.multipliedReportingOverflow(by: 10)
            let budget = attempts.overflow ? Int.max : attempts.partialValue
            group.pending.walk(from: start) { id, entry in
                candidates.append((id, entry))
                return candidates.count <= budget
            }
            var remaining = count
            var next = 0
            while next < candidates.count, next < budget, remaining > 0 {
                let (id, entry) = candidates[next]
                next += 1
                guard let found = stream.range(id, id).first else {
                    effects.append(StreamReadCommands.claimEffect(key, name, id, entry, lastID: group.lastDeliveredID))
                    group.acknowledge(id)
                    deleted.append(id)
                    remaining -= 1
                    continue
                }
                if minIdle > 0 && now &- entry.deliveryTime < minIdle { continue }
                group.assign(id, to: consumerName, deliveryTime: now,
                             deliveryCount: justID ? entry.deliveryCount : entry.deliveryCount &+ 1, now: now)
                group.consumers[consumerName]?.seenTime = now
                claimed.append((id, justID ? nil : found))
                if let updated = group.pending[id] {
                    effects.append(StreamReadCommands.claimEffect(key, name, id, updated, lastID: group.lastDeliveredID))
                }
                remaining -= 1
            }
            cursor = next < candidates.count ? candidates[next].0 : .zero
        }
        out.writeArrayHeader(3)
        cursor.withText { out.writeBulk(raw: $0) }
        out.writeArrayHeader(claimed.count)
        for (id, entry) in claimed {
            if let entry { StreamCommands.writeEntry(entry, &out) } else { id.withText { out.writeBulk(raw: $0) } }
        }
        out.writeArrayHeader(deleted.count)
        for id in deleted { id.withText { out.writeBulk(raw: $0) } }
        c.record(effects)
        if createdConsumer { c.notify(.stream, "xgroup-createconsumer", key) }
    }
}
