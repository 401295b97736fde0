import CairnKeyspace
import CairnProtocol

/// XINFO STREAM [FULL [COUNT n]] / GROUPS / CONSUMERS / HELP with Redis 7.0's fields.
///
/// `radix-tree-keys` and `radix-tree-nodes` describe Redis's own layout; Cairn answers
/// with its nodes of up to 100 entries (and that count plus one), figures of the same
/// kind rather than of the same structure.
enum StreamInfoCommand {
    static let specs: [CommandSpec] = [
        CommandSpec("xinfo", arity: -2, flags: [], group: "stream", since: "5.0.0", complexity: "Depends on subcommand.",
                    summary: "A container for stream introspection commands.", subcommands: [
            CommandSpec("xinfo|consumers", arity: 4, flags: [.readonly], keys: (2, 2, 1), group: "stream", since: "5.0.0",
                        summary: "Returns a list of the consumers in a consumer group.", syntax: "key group", run: consumers),
            CommandSpec("xinfo|groups", arity: 3, flags: [.readonly], keys: (2, 2, 1), group: "stream", since: "5.0.0",
                        summary: "Returns a list of the consumer groups of a stream.", syntax: "key", run: groups),
            CommandSpec("xinfo|stream", arity: -3, flags: [.readonly], keys: (2, 2, 1), group: "stream", since: "5.0.0",
                        summary: "Returns information about a stream.", syntax: "key [FULL [COUNT count]]", run: stream),
            CommandSpec("xinfo|help", arity: 2, flags: [.loading, .stale], group: "stream", since: "5.0.0",
                        summary: "Returns helpful text about the different subcommands.", run: help),
        ], run: { _, _ in }),
    ]

    /// The stream at argument 2, or nil after replying `no such key` or WRONGTYPE.
    static func target(_ c: CommandContext, _ out: inout ReplyWriter) -> Stream? {
        switch c.read(c.key(2), as: Stream.self, &out) {
        case .refused: return nil
        case .absent: out.writeError(ErrorReplies.noSuchKey); return nil
        case .found(let stream): return stream
        }
    }

    static func consumers(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let stream = target(c, &out) else { return }
        guard let group = stream.groups[c.value(3)] else {
            out.writeError("NOGROUP No such consumer group '\(c.args.string(3))' for key name '\(c.args.string(2))'"); return
        }
        let consumers = group.consumersByName
        out.writeArrayHeader(consumers.count)
        for (name, consumer) in consumers {
            out.writeMapHeader(3)
            out.writeBulk("name")
            out.writeBulk(name.bytes)
            out.writeBulk("pending")
            out.writeIntegerReply(Int64(consumer.pending.count))
            out.writeBulk("idle")
            out.writeIntegerReply(max(0, c.now &- consumer.seenTime))
        }
    }

    static func groups(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let stream = target(c, &out) else { return }
        let groups = stream.groupsByName
        out.writeArrayHeader(groups.count)
        for (name, group) in groups {
            out.writeMapHeader(6)
            out.writeBulk("name")
            out.writeBulk(name.bytes)
            out.writeBulk("consumers")
            out.writeIntegerReply(Int64(group.consumers.count))
            out.writeBulk("pending")
            out.writeIntegerReply(Int64(group.pending.count))
            out.writeBulk("last-delivered-id")
            writeID(group.lastDeliveredID, &out)
            writeReadPosition(stream, group, &out)
        }
    }

    static func stream(_ c: CommandContext, _ out: inout ReplyWriter) {
        // The key first, then the options (Redis's order).
        guard let stream = target(c, &out) else { return }
        var full = false
        var count = 10
        if c.args.count > 3 {
            guard c.args.count == 4 || c.args.count == 6, c.args.equals(3, lowercase: "full") else {
                out.writeError(StreamGroupCommands.subcommandSyntax(c)); return
            }
            full = true
            if c.args.count == 6 {
                guard c.args.equals(4, lowercase: "count") else { out.writeError(StreamGroupCommands.subcommandSyntax(c)); return }
                guard let n = c.args.int64(5) else { out.writeError(ErrorReplies.notInteger); return }
                count = n <= 0 ? Int.max : Int(clamping: n)
            }
        }
        out.writeMapHeader(full ? 9 : 10)
        out.writeBulk("length")
        out.writeIntegerReply(Int64(stream.count))
        out.writeBulk("radix-tree-keys")
        out.writeIntegerReply(Int64(stream.nodeCount))
        out.writeBulk("radix-tree-nodes")
        out.writeIntegerReply(Int64(stream.nodeCount + 1))
        out.writeBulk("last-generated-id")
        writeID(stream.lastID, &out)
        out.writeBulk("max-deleted-entry-id")
        writeID(stream.maxDeletedID, &out)
        out.writeBulk("entries-added")
        out.writeIntegerReply(Int64(clamping: stream.entriesAdded))
        out.writeBulk("recorded-first-entry-id")
        writeID(stream.firstID ?? .zero, &out)
        guard full else {
            out.writeBulk("groups")
            out.writeIntegerReply(Int64(stream.groups.count))
            for (label, reverse) in [("first-entry", false), ("last-entry", true)] {
                out.writeBulk(label)
                if let entry = stream.range(.zero, .max, reverse: reverse, limit: 1).first {
                    StreamCommands.writeEntry(entry, &out)
                } else {
                    out.writeNull()
                }
            }
            return
        }
        out.writeBulk("entries")
        let entries = stream.range(.zero, .max, limit: count)
        out.writeArrayHeader(entries.count)
        for entry in entries { StreamCommands.writeEntry(entry, &out) }
        out.writeBulk("groups")
        let groups = stream.groupsByName
        out.writeArrayHeader(groups.count)
        for (name, group) in groups {
            out.writeMapHeader(7)
            out.writeBulk("name")
            out.writeBulk(name.bytes)
            out.writeBulk("last-delivered-id")
            writeID(group.lastDeliveredID, &out)
            writeReadPosition(stream, group, &out)
            out.writeBulk("pel-count")
            out.writeIntegerReply(Int64(group.pending.count))
            out.writeBulk("pending")
            let pending = firstPending(group.pending, count)
            out.writeArrayHeader(pending.count)
            for (id, entry) in pending {
                out.writeArrayHeader(4)
                writeID(id, &out)
                out.writeBulk(entry.consumer.bytes)
                out.writeIntegerReply(entry.deliveryTime)
                out.writeIntegerReply(entry.deliveryCount)
            }
            out.writeBulk("consumers")
            let consumers = group.consumersByName
            out.writeArrayHeader(consumers.count)
            for (consumerName, consumer) in consumers {
                out.writeMapHeader(4)
                out.writeBulk("name")
                out.writeBulk(consumerName.bytes)
                out.writeBulk("seen-time")
                out.writeIntegerReply(consumer.seenTime)
                out.writeBulk("pel-count")
                out.writeIntegerReply(Int64(consumer.pending.count))
                out.writeBulk("pending")
                let held = firstPending(consumer.pending, count)
                out.writeArrayHeader(held.count)
                for (id, _) in held {
                    let entry = group.pending[id]
                    out.writeArrayHeader(3)
                    writeID(id, &out)
                    out.writeIntegerReply(entry?.deliveryTime ?? 0)
                    out.writeIntegerReply(entry?.deliveryCount ?? 0)
                }
            }
        }
    }

    /// The first `count` IDs of a pending list with their values. O(count).
    static func firstPending<V>(_ map: StreamIDMap<V>, _ count: Int) -> [(StreamID, V)] {
        var rows: [(StreamID, V)] = []
        map.walk(from: .zero) { id, value in
            rows.append((id, value))
            return rows.count < count
        }
        return rows
    }

    static func writeID(_ id: StreamID, _ out: inout ReplyWriter) {
        id.withText { out.writeBulk(raw: $0) }
    }

    /// `entries-read` and `lag`, each null when unknown (Redis 7.0's rules).
    static func writeReadPosition(_ stream: Stream, _ group: StreamGroup, _ out: inout ReplyWriter) {
        out.writeBulk("entries-read")
        if group.entriesRead == StreamGroup.unknownEntriesRead { out.writeNull() } else { out.writeIntegerReply(group.entriesRead) }
        out.writeBulk("lag")
        if let lag = stream.lag(of: group) { out.writeIntegerReply(lag) } else { out.writeNull() }
    }

    static func help(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeHelp([
            "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CONSUMERS <key> <groupname>",
            "    Show consumers of <groupname>.",
            "GROUPS <key>",
            "    Show the stream consumer groups.",
            "STREAM <key> [FULL [COUNT <count>]",
            "    Show information about the stream.",
            "HELP",
            "    Prints this help.",
        ])
    }
}
