import CairnKeyspace
import CairnProtocol
import NIOCore

/// XREAD and XREADGROUP, as Redis 7.0's `xreadCommand` parses, serves and blocks them.
///
/// A read that finds nothing and has BLOCK parks its client through the blocking path
/// (docs/architecture.md, "Clients that wait"); when a write touches one of its keys the
/// request runs again. So that it runs again as the same request, XREAD's `$` is
/// stored as the ID it meant when the client parked, and the default count of a
/// blocked read (Redis's 1000) is written in.
///
/// XREADGROUP changes its group: each entry delivered is logged as the `XCLAIM … FORCE
/// JUSTID` that recreates its pending entry (delivery time and count included), then
/// `XGROUP SETID … ENTRIESREAD` for the group's position; a consumer it creates as
/// `XGROUP CREATECONSUMER`. Replay gives the same groups, pending lists and positions.
enum StreamReadCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("xread", arity: -4, flags: [.readonly, .blocking, .movableKeys], group: "stream", since: "5.0.0",
                    complexity: "For each stream mentioned: O(M) with M the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREAD blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
                    summary: "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
                    syntax: "[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]",
                    run: { c, o in read(c, &o, group: false) }),
        CommandSpec("xreadgroup", arity: -7, flags: [.write, .blocking, .movableKeys], group: "stream", since: "5.0.0",
                    complexity: "For each stream mentioned: O(M) with M the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
                    summary: "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.",
                    syntax: "GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]",
                    run: { c, o in read(c, &o, group: true) }),
    ]

    /// Redis's `XREAD_BLOCKED_DEFAULT_COUNT`: a blocked read without COUNT gets at most this.
    static let blockedDefaultCount = 1000

    /// Where a read starts in one stream.
    enum Position {
        /// Entries above this ID.
        case after(StreamID)
        /// XREADGROUP `>`: entries the group has not delivered.
        case undelivered
    }

    struct Request {
        var count = 0
        /// Unix ms deadline (0: never) when BLOCK was given.
        var blockDeadline: Int64?
        var group: (name: ByteString, consumer: ByteString)?
        var noAck = false
        var streamsStart = 0
        var streamCount = 0
    }

    /// The arguments up to STREAMS, in Redis's order of checks; nil after replying.
    static func parse(_ c: CommandContext, group: Bool, _ out: inout ReplyWriter) -> Request? {
        var r = Request()
        var i = 1
        while i < c.args.count {
            let more = c.args.count - i - 1
            if c.args.equals(i, lowercase: "block") && more > 0 {
                if c.engine.scripting.running != nil {
                    out.writeError("ERR \(c.args.string(0)) command is not allowed with BLOCK option from scripts"); return nil
                }
                i += 1
                guard let ms = c.args.int64(i) else { out.writeError("ERR timeout is not an integer or out of range"); return nil }
                guard ms >= 0 else { out.writeError("ERR timeout is negative"); return nil }
                let (deadline, overflow) = ms.addingReportingOverflow(c.now)
                r.blockDeadline = ms == 0 || overflow ? 0 : deadline
            } else if c.args.equals(i, lowercase: "count") && more > 0 {
                i += 1
                guard let n = c.args.int64(i) else { out.writeError(ErrorReplies.notInteger); return nil }
                r.count = n < 0 ? 0 : Int(clamping: n)
            } else if c.args.equals(i, lowercase: "streams") && more > 0 {
                r.streamsStart = i + 1
                let remaining = c.args.count - r.streamsStart
                guard remaining % 2 == 0 else {
                    // Redis 7.0 words it so for XREADGROUP too.
                    out.writeError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
                    return nil
                }
                r.streamCount = remaining / 2
                break
            } else if c.args.equals(i, lowercase: "group") && more >= 2 {
                guard group else {
                    out.writeError("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."); return nil
                }
                r.group = (c.value(i + 1), c.value(i + 2))
                i += 2
            } else if c.args.equals(i, lowercase: "noack") {
                guard group else {
                    out.writeError("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."); return nil
                }
                r.noAck = true
            } else {
                out.writeError(ErrorReplies.syntax); return nil
            }
            i += 1
        }
        guard r.streamsStart > 0 else { out.writeError(ErrorReplies.syntax); return nil }
        if group && r.group == nil { out.writeError("ERR Missing GROUP option for XREADGROUP"); return nil }
        return r
    }

    static func read(_ c: CommandContext, _ out: inout ReplyWriter, group: Bool) {
        guard let r = parse(c, group: group, &out) else { return }
        let retrying = c.engine.blockingMode == .retrying
        // Keys, groups and IDs are all checked before anything is served.
        var positions: [Position] = []
        positions.reserveCapacity(r.streamCount)
        for s in 0..<r.streamCount {
            let keyIndex = r.streamsStart + s, idIndex = keyIndex + r.streamCount
            let stream: Stream?
            switch c.read(c.key(keyIndex), as: Stream.self, &out) {
            case .refused:
                guard retrying else { return }
                // Parked: XREAD keeps waiting when its key now holds another type; XREADGROUP
                // is told its stream is gone (Redis 7.0's `unblock_on_nokey`).
                out.buffer.clear()
                if group { out.writeError("UNBLOCKED the stream key no longer exists") } else { c.engine.retryFoundNothing = true }
                return
            case .absent:
                if retrying && group { out.writeError("UNBLOCKED the stream key no longer exists"); return }
                stream = nil
            case .found(let found): stream = found
            }
            if let (groupName, _) = r.group, stream?.groups[groupName] == nil {
                if retrying {
                    out.writeError("NOGROUP the consumer group this client was blocked on no longer exists")
                    return
                }
                out.writeError("NOGROUP No such key '\(c.args.string(keyIndex))' or consumer group '\(String(decoding: groupName.bytes, as: UTF8.self))' in XREADGROUP with GROUP option")
                return
            }
            let isDollar = c.args.length(idIndex) == 1 && c.args.withUnsafeBytes(idIndex, { $0[0] }) == UInt8(ascii: "$")
            let isGreater = c.args.length(idIndex) == 1 && c.args.withUnsafeBytes(idIndex, { $0[0] }) == UInt8(ascii: ">")
            if isDollar {
                guard !group else {
                    out.writeError("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
                    return
                }
                positions.append(.after(stream?.lastID ?? .zero))
            } else if isGreater {
                guard group else {
                    out.writeError("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
                    return
                }
                positions.append(.undelivered)
            } else {
                guard let id = c.args.withUnsafeBytes(idIndex, { StreamID(parsing: $0, missingSequence: 0) }) else {
                    out.writeError(StreamCommands.invalidID); return
                }
                // Redis marks `>` as the largest ID, so XREADGROUP reads that ID as `>` too.
                positions.append(group && id == .max ? .undelivered : .after(id))
            }
        }

        if r.streamCount == 1 {
            // The common case: decided before writing, no scratch buffer.
            guard wouldServe(c, r, 0, positions[0]) else { return nothingServed(c, r, positions, &out) }
            writeTopHeader(1, &out)
            serve(c, r, 0, positions[0], &out)
            return
        }
        var body = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 256))
        body.resp3 = out.resp3
        var served = 0
        for s in 0..<r.streamCount where wouldServe(c, r, s, positions[s]) {
            serve(c, r, s, positions[s], &body)
            served += 1
        }
        guard served > 0 else { return nothingServed(c, r, positions, &out) }
        writeTopHeader(served, &out)
        out.buffer.writeBuffer(&body.buffer)
    }

    /// The reply's top: an array of `[key, entries]` pairs in RESP2, a map in RESP3.
    static func writeTopHeader(_ count: Int, _ out: inout ReplyWriter) {
        if out.resp3 { out.writeMapHeader(count) } else { out.writeArrayHeader(count) }
    }

    /// Whether stream `s` has something for this read now (Redis's `serve_synchronously`).
    static func wouldServe(_ c: CommandContext, _ r: Request, _ s: Int, _ position: Position) -> Bool {
        guard let entry = c.engine.keyspace.databases[c.db].peek(c.key(r.streamsStart + s)),
              let stream = Stream.payload(of: entry.value) else { return false }
        switch position {
        case .after(let id):
            // XREADGROUP with an ID reads the consumer's history: always answered.
            if r.group != nil { return true }
            return stream.lastEntryID.map { $0 > id } ?? false
        case .undelivered:
            guard let (groupName, _) = r.group, let group = stream.groups[groupName],
                  let last = stream.lastEntryID else { return false }
            return last > group.lastDeliveredID
        }
    }

    /// Nothing to answer: park the client when BLOCK was given (as the request that will
    /// run again), otherwise a null array.
    static func nothingServed(_ c: CommandContext, _ r: Request, _ positions: [Position], _ out: inout ReplyWriter) {
        guard let deadline = r.blockDeadline else { out.writeNullArray(); return }
        let keys = (0..<r.streamCount).map { c.key(r.streamsStart + $0) }
        c.engine.block(c, on: keys, deadline: deadline, timeoutReply: .nullArray,
                       command: parkedCommand(c, r, positions), &out)
    }

    /// The request as it runs again when a key it waits on changes: `$` replaced by the
    /// ID it meant now, COUNT the blocked default when none was given.
    static func parkedCommand(_ c: CommandContext, _ r: Request, _ positions: [Position]) -> [[UInt8]] {
        var command = c.args.all
        for (s, position) in positions.enumerated() {
            if case .after(let id) = position { command[r.streamsStart + r.streamCount + s] = Array(id.description.utf8) }
        }
        if r.count == 0 {
            // Just before STREAMS, so it overrides a COUNT 0 the client gave.
            command.insert(contentsOf: [Array("COUNT".utf8), Array(String(blockedDefaultCount).utf8)], at: r.streamsStart - 1)
        }
        return command
    }

    /// Answers stream `s`: `[key, entries]` (a map entry in RESP3), delivering to the
    /// group for XREADGROUP.
    static func serve(_ c: CommandContext, _ r: Request, _ s: Int, _ position: Position, _ out: inout ReplyWriter) {
        let keyIndex = r.streamsStart + s
        if !out.resp3 { out.writeArrayHeader(2) }
        c.args.withUnsafeBytes(keyIndex) { out.writeBulk(raw: $0) }
        let limit = r.count == 0 ? Int.max : r.count
        guard let (groupName, consumerName) = r.group else {
            guard case .after(let id) = position,
                  let stream = c.readOrEmpty(c.key(keyIndex), as: Stream.self, &out) else { return }
            let entries = stream.range(id.successor ?? .zero, .max, limit: limit)
            out.writeArrayHeader(entries.count)
            for entry in entries { StreamCommands.writeEntry(entry, &out) }
            return
        }
        let key = c.key(keyIndex)
        var effects: [[Propagation.Part]] = []
        var createdConsumer = false
        let now = c.now
        _ = c.modify(key, as: Stream.self, create: false) { stream -> Result<Void, WriteRefusal> in
            guard var group = stream.groups.removeValue(forKey: groupName) else { return .success(()) }
            defer { stream.groups[groupName] = group }
            if group.createConsumer(consumerName, now: now) {
                createdConsumer = true
                effects.append([.word("XGROUP"), .word("CREATECONSUMER"), .string(key.name), .string(groupName), .string(consumerName)])
            }
            group.consumers[consumerName]?.seenTime = now
            switch position {
            case .after(let id):
                let lastDelivered = group.lastDeliveredID
                deliverHistory(&group, consumerName, after: id, limit: limit, stream, now: now, &out) { id, entry in
                    effects.append(claimEffect(key, groupName, id, entry, lastID: lastDelivered))
                }
            case .undelivered:
                let entries = stream.range(group.lastDeliveredID.successor ?? .zero, .max, limit: limit)
                out.writeArrayHeader(entries.count)
                for entry in entries {
                    let id = entry.id
                    advance(&group, to: id, in: stream)
                    if !r.noAck {
                        let entry = group.assign(id, to: consumerName, deliveryTime: now, deliveryCount: 1, now: now)
                        effects.append(claimEffect(key, groupName, id, entry, lastID: group.lastDeliveredID))
                    }
                    StreamCommands.writeEntry(entry, &out)
                }
                if !entries.isEmpty { effects.append(setIDEffect(key, groupName, group)) }
            }
            return .success(())
        }
        // Not a modification for WATCH or waiting readers: Redis signals none either.
        c.record(effects)
        if createdConsumer { c.notify(.stream, "xgroup-createconsumer", key) }
    }

    /// XREADGROUP with an ID: the consumer's pending entries above it, each delivered
    /// again (an entry deleted since is `[id, nil]`, as Redis answers).
    static func deliverHistory(_ group: inout StreamGroup, _ consumerName: ByteString, after id: StreamID, limit: Int,
                               _ stream: Stream, now: Int64, _ out: inout ReplyWriter,
                               _ redelivered: (StreamID, PendingEntry) -> Void) {
        var ids: [StreamID] = []
        // Redis's `streamIncrID` wraps the largest ID to 0-0.
        group.consumers[consumerName]?.pending.walk(from: id.successor ?? .zero) { id, _ in
            ids.append(id)
            return ids.count < limit
        }
        out.writeArrayHeader(ids.count)
        for id in ids {
            guard let found = stream.range(id, id).first else {
                out.writeArrayHeader(2)
                id.withText { out.writeBulk(raw: $0) }
                out.writeNullArray()
                continue
            }
            group.pending[id]?.deliveryTime = now
            group.pending[id]?.deliveryCount &+= 1
            StreamCommands.writeEntry(found, &out)
            if let entry = group.pending[id] { redelivered(id, entry) }
        }
    }

    /// The group read up to `id`: its position and read counter move as Redis's do.
    static func advance(_ group: inout StreamGroup, to id: StreamID, in stream: Stream) {
        guard id > group.lastDeliveredID else { return }
        if group.entriesRead != StreamGroup.unknownEntriesRead && !stream.mayHaveDeletionAfter(id) {
            group.entriesRead &+= 1
        } else if stream.entriesAdded > 0 {
            group.entriesRead = stream.entriesAdded(through: id)
        }
        group.lastDeliveredID = id
    }

    /// `XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID id`:
    /// recreates a pending entry exactly (Redis's `streamPropagateXCLAIM`).
    static func claimEffect(_ key: Key, _ group: ByteString, _ id: StreamID, _ entry: PendingEntry,
                            lastID: StreamID) -> [Propagation.Part] {
        [.word("XCLAIM"), .string(key.name), .string(group), .string(entry.consumer), .word("0"),
         .streamID(id), .word("TIME"), .integer(entry.deliveryTime),
         .word("RETRYCOUNT"), .integer(entry.deliveryCount), .word("FORCE"), .word("JUSTID"),
         .word("LASTID"), .streamID(lastID)]
    }

    /// `XGROUP SETID key group last-id ENTRIESREAD n` (Redis's `streamPropagateGroupID`).
    static func setIDEffect(_ key: Key, _ name: ByteString, _ group: StreamGroup) -> [Propagation.Part] {
        [.word("XGROUP"), .word("SETID"), .string(key.name), .string(name),
         .streamID(group.lastDeliveredID), .word("ENTRIESREAD"), .integer(group.entriesRead)]
    }
}
