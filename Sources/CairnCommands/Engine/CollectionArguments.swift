import CairnProtocol
import CairnKeyspace
import CairnConfig

/// Argument shapes the collection commands share, parsed once with Redis's errors.
enum CollectionArguments {
    /// `numkeys key [key ...] <WHERE> [COUNT count]` of LMPOP and ZMPOP: the keys' argument
    /// positions, the index of the WHERE word (checked by the caller) and the count.
    /// Nil after replying an error. O(arguments).
    static func multiPop(_ c: CommandContext, numkeysAt: Int = 1, _ out: inout ReplyWriter) -> (keys: Range<Int>, whereIndex: Int, count: Int)? {
        guard let numkeys = c.args.int64(numkeysAt), numkeys > 0 else { out.writeError("ERR numkeys should be greater than 0"); return nil }
        // Compared without adding: numkeys may be anything up to Int64.max.
        guard numkeys <= Int64(c.args.count - numkeysAt - 2) else { out.writeError(ErrorReplies.syntax); return nil }
        let whereIndex = numkeysAt + 1 + Int(numkeys)
        var count = 1
        var i = whereIndex + 1
        while i < c.args.count {
            guard c.args.equals(i, lowercase: "count"), i + 1 < c.args.count else { out.writeError(ErrorReplies.syntax); return nil }
            guard let n = c.args.int64(i + 1), n > 0 else { out.writeError("ERR count should be greater than 0"); return nil }
            count = Int(clamping: n)
            i += 2
        }
        return ((numkeysAt + 1)..<whereIndex, whereIndex, count)
    }

    /// The optional `count` of LPOP, RPOP, SPOP, ZPOPMIN and ZPOPMAX (argument 2): `.some(nil)`
    /// when absent, `nil` after replying an error (more arguments, or a count that is not a
    /// non-negative integer, in Redis's words).
    static func popCount(_ c: CommandContext, _ out: inout ReplyWriter) -> Int?? {
        guard c.args.count <= 3 else { out.writeError(ErrorReplies.syntax); return nil }
        guard c.args.count == 3 else { return .some(nil) }
        guard let n = c.args.int64(2), n >= 0 else { out.writeError("ERR value is out of range, must be positive"); return nil }
        return .some(Int(clamping: n))
    }

    /// `[MATCH pattern] [COUNT count]` from argument `first` of SSCAN/HSCAN/ZSCAN: the
    /// pattern (nil when it matches everything) and the count. Nil after replying an error.
    static func scan(_ c: CommandContext, from first: Int, _ out: inout ReplyWriter) -> (pattern: ArraySlice<UInt8>?, count: Int)? {
        var pattern: ArraySlice<UInt8>? = nil
        var count = 10
        var i = first
        while i < c.args.count {
            guard i + 1 < c.args.count else { out.writeError(ErrorReplies.syntax); return nil }
            if c.args.equals(i, lowercase: "count") {
                guard let n = c.args.int64(i + 1) else { out.writeError(ErrorReplies.notInteger); return nil }
                guard n >= 1 else { out.writeError(ErrorReplies.syntax); return nil }
                count = Int(clamping: n)
            } else if c.args.equals(i, lowercase: "match") {
                let p = c.args[i + 1]
                pattern = GlobPattern.matchesEverything(p) ? nil : p
            } else {
                out.writeError(ErrorReplies.syntax); return nil
            }
            i += 2
        }
        return (pattern, count)
    }

    /// Most picks a negative random count may ask for: Redis would loop as many times as
    /// asked (up to 2^63), holding the server; Cairn refuses past this.
    static let maxRandomPicks: Int64 = 1 << 24

    /// The count of SRANDMEMBER, HRANDFIELD and ZRANDMEMBER at argument `index`, range-checked
    /// (Redis's text for Int64.min; Cairn's bound for huge negative counts). Nil after an error.
    static func randomCount(_ c: CommandContext, at index: Int, _ out: inout ReplyWriter) -> Int64? {
        guard let count = c.args.int64(index) else { out.writeError(ErrorReplies.notInteger); return nil }
        guard count != Int64.min else {
            out.writeError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"); return nil
        }
        guard count >= -maxRandomPicks else {
            out.writeError("ERR value is out of range, value must between -\(maxRandomPicks) and 9223372036854775807"); return nil
        }
        return count
    }

    /// Random positions in `0..<size` for a random-member count: with repeats for a
    /// negative count, distinct (a partial shuffle) for a positive one. O(|count|).
    static func randomPositions(count: Int64, size: Int, using rng: inout some RandomNumberGenerator) -> [Int] {
        guard size > 0, count != 0 else { return [] }
        if count < 0 {
            return (0..<Int(-count)).map { _ in Int.random(in: 0..<size, using: &rng) }
        }
        var positions = Array(0..<size)
        let n = min(Int(clamping: count), size)
        for i in 0..<n { positions.swapAt(i, Int.random(in: i..<size, using: &rng)) }
        return Array(positions.prefix(n))
    }
}

extension CommandContext {
    /// Logs `command key item...` in commands of at most 64 items (as a rewrite writes them),
    /// each item made of one or more parts (a member; a score and a member).
    func recordChunked(_ command: StaticString, _ key: Key, _ items: [[Propagation.Part]]) {
        guard isRecording else { return }
        for start in stride(from: 0, to: items.count, by: SnapshotEncoder.itemsPerCommand) {
            var parts: [Propagation.Part] = [.word(command), .bytes(key.bytes)]
            for item in items[start..<min(start + SnapshotEncoder.itemsPerCommand, items.count)] { parts += item }
            record(parts)
        }
    }
}

extension CommandContext {
    /// SREM, ZREM and HDEL: removes the members named from argument 2 on from the
    /// collection at argument 1, replies with how many went, and logs the request when
    /// any did. O(members named) plus what `remove` costs.
    func removeMembers<T: StoredType>(as type: T.Type, event: (KeyspaceEvents, StaticString), _ out: inout ReplyWriter,
                                      _ remove: (inout T, ByteString) -> Bool) {
        let key = self.key(1)
        guard let outcome = modify(key, as: T.self, create: false, { collection -> Result<Int, WriteRefusal> in
            var removed = 0
            for i in 2..<args.count where remove(&collection, value(i)) { removed += 1 }
            return .success(removed)
        }) else { out.writeIntegerReply(0); return }
        guard let removed = unwrap(outcome, &out) else { return }
        out.writeIntegerReply(Int64(removed))
        guard removed > 0 else { return }
        signalModified(key, event.0, event.1)
        recordVerbatim()
    }

    /// What LMPOP and ZMPOP found.
    enum FirstPop<Element> {
        /// A key held another type; WRONGTYPE was replied.
        case refused
        /// Every key was absent.
        case none
        case popped(Key, [Element])
    }

    /// Pops with `pop` from the first key among `keys` that exists (every key's type is
    /// checked until then, as Redis does). O(keys) plus the pop.
    func popFirst<T: StoredType, Element>(_ keys: Range<Int>, as type: T.Type, event: (KeyspaceEvents, StaticString),
                                          _ out: inout ReplyWriter, _ pop: (inout T) -> [Element]) -> FirstPop<Element> {
        for k in keys {
            let key = self.key(k)
            switch read(key, as: T.self, &out) {
            case .refused: return .refused
            case .absent: continue
            case .found:
                guard let outcome = modify(key, as: T.self, create: false, { collection -> Result<[Element], WriteRefusal> in
                    .success(pop(&collection))
                }), let popped = unwrap(outcome, &out) else { return .refused }
                signalModified(key, event.0, event.1)
                return .popped(key, popped)
            }
        }
        return .none
    }
}

extension CommandContext {
    /// What SSCAN, HSCAN and ZSCAN scan: parsed in Redis's order — the cursor, then the
    /// key (absent: an empty scan is replied and the options are not read; another type:
    /// WRONGTYPE), then MATCH and COUNT. Nil when a reply was already written.
    func scanTarget<T: StoredType>(as type: T.Type, _ out: inout ReplyWriter)
        -> (cursor: UInt64, value: T, pattern: ArraySlice<UInt8>?, count: Int)? {
        guard let cursor = KeyCommands.parseCursor(args[2]) else { out.writeError(ErrorReplies.invalidCursor); return nil }
        let value: T
        switch read(key(1), as: T.self, &out) {
        case .refused: return nil
        case .absent:
            out.writeArrayHeader(2)
            out.writeBulk("0")
            out.writeArrayHeader(0)
            return nil
        case .found(let found): value = found
        }
        guard let (pattern, count) = CollectionArguments.scan(self, from: 3, &out) else { return nil }
        return (cursor, value, pattern, count)
    }
}
