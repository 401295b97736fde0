import CairnProtocol
import CairnConfig
import CairnKeyspace

/// Sorted sets: ZADD (NX XX GT LT CH INCR) ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZCOUNT
/// ZLEXCOUNT ZRANK ZREVRANK ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES) ZRANGESTORE
/// ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREMRANGEBYRANK
/// ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZSCAN, with Redis
/// 7.0's replies (scores as `%.17g`; RESP3 doubles and pairs). Writes are logged as
/// received, except where floating-point arithmetic made the result (ZINCRBY, ZADD
/// INCR: logged as the ZADD of the resulting score) or chance picked it (none here
/// writes by chance), and ZMPOP, logged as the ZPOPMIN/ZPOPMAX it became.
enum SortedSetCommands {
    typealias Entry = SortedSet.Entry

    static let specs: [CommandSpec] = [
        CommandSpec("zadd", arity: -4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "sorted_set", since: "1.2.0",
                    complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
                    summary: "Add one or more members to a sorted set, or update its score if it already exists",
                    syntax: "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]", run: add),
        CommandSpec("zincrby", arity: 4, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "sorted_set", since: "1.2.0",
                    complexity: "O(log(N)) where N is the number of elements in the sorted set.",
                    summary: "Increment the score of a member in a sorted set", syntax: "key increment member", run: incrementBy),
        CommandSpec("zrem", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "sorted_set", since: "1.2.0",
                    complexity: "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
                    summary: "Remove one or more members from a sorted set", syntax: "key member [member ...]", run: remove),
        CommandSpec("zcard", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "sorted_set", since: "1.2.0",
                    summary: "Get the number of members in a sorted set", syntax: "key",
                    run: { c, o in if let z = read(c, c.key(1), &o) { o.writeIntegerReply(Int64(z.count)) } }),
        CommandSpec("zscore", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "sorted_set", since: "1.2.0",
                    summary: "Get the score associated with the given member in a sorted set", syntax: "key member",
                    run: { c, o in
                        guard let z = read(c, c.key(1), &o) else { return }
                        if let score = z.score(of: c.value(2)) { o.writeDouble(Score.format(score)) } else { o.writeNull() }
                    }),
        CommandSpec("zmscore", arity: -3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "sorted_set", since: "6.2.0",
                    complexity: "O(N) where N is the number of members being requested.",
                    summary: "Get the score associated with the given members in a sorted set", syntax: "key member [member ...]",
                    run: { c, o in
                        guard let z = read(c, c.key(1), &o) else { return }
                        o.writeArrayHeader(c.args.count - 2)
                        for i in 2..<c.args.count {
                            if let score = z.score(of: c.value(i)) { o.writeDouble(Score.format(score)) } else { o.writeNull() }
                        }
                    }),
        CommandSpec("zcount", arity: 4, flags: [.readonly, .fast], keys: (1, 1, 1), group: "sorted_set", since: "2.0.0",
                    complexity: "O(log(N)) with N being the number of elements in the sorted set.",
                    summary: "Count the members in a sorted set with scores within the given values", syntax: "key min max",
                    run: { c, o in count(c, &o, lex: false) }),
        CommandSpec("zlexcount", arity: 4, flags: [.readonly, .fast], keys: (1, 1, 1), group: "sorted_set", since: "2.8.9",
                    complexity: "O(log(N)) with N being the number of elements in the sorted set.",
                    summary: "Count the number of members in a sorted set between a given lexicographical range", syntax: "key min max",
                    run: { c, o in count(c, &o, lex: true) }),
        CommandSpec("zrank", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "sorted_set", since: "2.0.0",
                    complexity: "O(log(N))",
                    summary: "Determine the index of a member in a sorted set", syntax: "key member",
                    run: { c, o in rank(c, &o, reverse: false) }),
        CommandSpec("zrevrank", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), group: "sorted_set", since: "2.0.0",
                    complexity: "O(log(N))",
                    summary: "Determine the index of a member in a sorted set, with scores ordered from high to low", syntax: "key member",
                    run: { c, o in rank(c, &o, reverse: true) }),
        CommandSpec("zrange", arity: -4, flags: [.readonly], keys: (1, 1, 1), group: "sorted_set", since: "1.2.0",
                    complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
                    summary: "Return a range of members in a sorted set",
                    syntax: "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
                    run: { c, o in range(c, &o, style: .zrange, keyIndex: 1, store: nil) }),
        CommandSpec("zrangestore", arity: -5, flags: [.write, .denyOOM], keys: (1, 2, 1), group: "sorted_set", since: "6.2.0",
                    complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
                    summary: "Store a range of members from sorted set into another key",
                    syntax: "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]",
                    run: { c, o in range(c, &o, style: .zrange, keyIndex: 2, store: c.key(1)) }),
        CommandSpec("zrevrange", arity: -4, flags: [.readonly], keys: (1, 1, 1), group: "sorted_set", since: "1.2.0",
                    complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
                    summary: "Return a range of members in a sorted set, by index, with scores ordered from high to low",
                    syntax: "key start stop [WITHSCORES]", run: { c, o in range(c, &o, style: .rank(reverse: true), keyIndex: 1, store: nil) }),
        CommandSpec("zrangebyscore", arity: -4, flags: [.readonly], keys: (1, 1, 1), group: "sorted_set", since: "1.0.5",
                    complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
                    summary: "Return a range of members in a sorted set, by score", syntax: "key min max [WITHSCORES] [LIMIT offset count]",
                    run: { c, o in range(c, &o, style: .score(reverse: false), keyIndex: 1, store: nil) }),
        CommandSpec("zrevrangebyscore", arity: -4, flags: [.readonly], keys: (1, 1, 1), group: "sorted_set", since: "2.2.0",
                    complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
                    summary: "Return a range of members in a sorted set, by score, with scores ordered from high to low",
                    syntax: "key max min [WITHSCORES] [LIMIT offset count]",
                    run: { c, o in range(c, &o, style: .score(reverse: true), keyIndex: 1, store: nil) }),
        CommandSpec("zrangebylex", arity: -4, flags: [.readonly], keys: (1, 1, 1), group: "sorted_set", since: "2.8.9",
                    complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
                    summary: "Return a range of members in a sorted set, by lexicographical range", syntax: "key min max [LIMIT offset count]",
                    run: { c, o in range(c, &o, style: .lex(reverse: false), keyIndex: 1, store: nil) }),
        CommandSpec("zrevrangebylex", arity: -4, flags: [.readonly], keys: (1, 1, 1), group: "sorted_set", since: "2.8.9",
                    complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
                    summary: "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
                    syntax: "key max min [LIMIT offset count]",
                    run: { c, o in range(c, &o, style: .lex(reverse: true), keyIndex: 1, store: nil) }),
        CommandSpec("zremrangebyrank", arity: 4, flags: [.write], keys: (1, 1, 1), group: "sorted_set", since: "2.0.0",
                    complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
                    summary: "Remove all members in a sorted set within the given indexes", syntax: "key start stop",
                    run: { c, o in removeRange(c, &o, .rank(reverse: false)) }),
        CommandSpec("zremrangebyscore", arity: 4, flags: [.write], keys: (1, 1, 1), group: "sorted_set", since: "1.2.0",
                    complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
                    summary: "Remove all members in a sorted set within the given scores", syntax: "key min max",
                    run: { c, o in removeRange(c, &o, .score(reverse: false)) }),
        CommandSpec("zremrangebylex", arity: 4, flags: [.write], keys: (1, 1, 1), group: "sorted_set", since: "2.8.9",
                    complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
                    summary: "Remove all members in a sorted set between the given lexicographical range", syntax: "key min max",
                    run: { c, o in removeRange(c, &o, .lex(reverse: false)) }),
        CommandSpec("zpopmin", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "sorted_set", since: "5.0.0",
                    complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
                    summary: "Remove and return members with the lowest scores in a sorted set", syntax: "key [count]",
                    run: { c, o in pop(c, &o, max: false) }),
        CommandSpec("zpopmax", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "sorted_set", since: "5.0.0",
                    complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
                    summary: "Remove and return members with the highest scores in a sorted set", syntax: "key [count]",
                    run: { c, o in pop(c, &o, max: true) }),
        CommandSpec("zmpop", arity: -4, flags: [.write], keys: (0, 0, 0), group: "sorted_set", since: "7.0.0",
                    complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
                    summary: "Remove and return members with scores in a sorted set", syntax: "numkeys key [key ...] MIN|MAX [COUNT count]",
                    run: { c, o in multiPop(c, &o) }),
        CommandSpec("zrandmember", arity: -2, flags: [.readonly], keys: (1, 1, 1), group: "sorted_set", since: "6.2.0",
                    complexity: "O(N) where N is the number of members returned",
                    summary: "Get one or multiple random elements from a sorted set", syntax: "key [count [WITHSCORES]]", run: randomMember),
        CommandSpec("zunion", arity: -3, flags: [.readonly], keys: (0, 0, 0), group: "sorted_set", since: "6.2.0",
                    complexity: "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
                    summary: "Add multiple sorted sets", syntax: "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]",
                    run: { c, o in algebra(c, &o, .union, name: "zunion", store: nil) }),
        CommandSpec("zinter", arity: -3, flags: [.readonly], keys: (0, 0, 0), group: "sorted_set", since: "6.2.0",
                    complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
                    summary: "Intersect multiple sorted sets", syntax: "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]",
                    run: { c, o in algebra(c, &o, .intersection, name: "zinter", store: nil) }),
        CommandSpec("zdiff", arity: -3, flags: [.readonly], keys: (0, 0, 0), group: "sorted_set", since: "6.2.0",
                    complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
                    summary: "Subtract multiple sorted sets", syntax: "numkeys key [key ...] [WITHSCORES]",
                    run: { c, o in algebra(c, &o, .difference, name: "zdiff", store: nil) }),
        CommandSpec("zunionstore", arity: -4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "sorted_set", since: "2.0.0",
                    complexity: "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
                    summary: "Add multiple sorted sets and store the resulting sorted set in a new key",
                    syntax: "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]",
                    run: { c, o in algebra(c, &o, .union, name: "zunionstore", store: c.key(1)) }),
        CommandSpec("zinterstore", arity: -4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "sorted_set", since: "2.0.0",
                    complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
                    summary: "Intersect multiple sorted sets and store the resulting sorted set in a new key",
                    syntax: "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]",
                    run: { c, o in algebra(c, &o, .intersection, name: "zinterstore", store: c.key(1)) }),
        CommandSpec("zdiffstore", arity: -4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "sorted_set", since: "6.2.0",
                    complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
                    summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key", syntax: "destination numkeys key [key ...]",
                    run: { c, o in algebra(c, &o, .difference, name: "zdiffstore", store: c.key(1)) }),
        CommandSpec("zintercard", arity: -3, flags: [.readonly], keys: (0, 0, 0), group: "sorted_set", since: "7.0.0",
                    complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
                    summary: "Intersect multiple sorted sets and return the cardinality of the result", syntax: "numkeys key [key ...] [LIMIT limit]",
                    run: { c, o in algebra(c, &o, .intersection, name: "zintercard", store: nil, cardinality: true) }),
        CommandSpec("zscan", arity: -3, flags: [.readonly], keys: (1, 1, 1), group: "sorted_set", since: "2.8.0",
                    complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
                    summary: "Incrementally iterate sorted sets elements and associated scores", syntax: "key cursor [MATCH pattern] [COUNT count]",
                    run: scan),
    ]

    // MARK: Reading

    /// The sorted set at `key` (empty when absent), or nil after replying WRONGTYPE. O(1).
    static func read(_ c: CommandContext, _ key: Key, _ out: inout ReplyWriter) -> SortedSet? {
        c.readOrEmpty(key, as: SortedSet.self, &out)
    }

    /// Entries with or without scores: flat in RESP2, pairs in RESP3 (Redis 7.0's shapes).
    static func writeEntries(_ entries: [Entry], withScores: Bool, _ out: inout ReplyWriter) {
        guard withScores else {
            out.writeArrayHeader(entries.count)
            for e in entries { out.writeBulk(e.member) }
            return
        }
        if out.resp3 {
            out.writeArrayHeader(entries.count)
            for e in entries {
                out.writeArrayHeader(2)
                out.writeBulk(e.member)
                out.writeDouble(Score.format(e.score))
            }
        } else {
            out.writeArrayHeader(entries.count * 2)
            for e in entries {
                out.writeBulk(e.member)
                out.writeBulk(Score.format(e.score))
            }
        }
    }

    static func rank(_ c: CommandContext, _ out: inout ReplyWriter, reverse: Bool) {
        guard let z = read(c, c.key(1), &out) else { return }
        guard let r = z.rank(of: c.value(2)) else { out.writeNull(); return }
        out.writeIntegerReply(Int64(reverse ? z.count - 1 - r : r))
    }

    static func count(_ c: CommandContext, _ out: inout ReplyWriter, lex: Bool) {
        guard let selection = parseBounds(c, &out, lex: lex, first: 2, reverse: false) else { return }
        guard let z = read(c, c.key(1), &out) else { return }
        out.writeIntegerReply(Int64(selection.positions(in: z).count))
    }

    // MARK: Ranges

    /// Which range a command asks for, as its arguments give it.
    /// ZREMRANGEBYRANK/SCORE/LEX's keyspace event.
    static func removeRangeEvent(_ style: Style) -> StaticString {
        switch style {
        case .score: return "zremrangebyscore"
        case .lex: return "zremrangebylex"
        case .rank, .zrange: return "zremrangebyrank"
        }
    }

    enum Style: Equatable {
        case zrange
        case rank(reverse: Bool)
        case score(reverse: Bool)
        case lex(reverse: Bool)
    }

    /// A parsed range, before it meets a sorted set.
    enum Selection {
        case rank(start: Int64, stop: Int64, reverse: Bool)
        case score(min: Score.Bound, max: Score.Bound, reverse: Bool)
        case lex(min: Score.LexBound, max: Score.LexBound, reverse: Bool)

        var reverse: Bool {
            switch self {
            case .rank(_, _, let r), .score(_, _, let r), .lex(_, _, let r): return r
            }
        }

        /// Ascending positions the range covers. O(log n + n / chunk).
        func positions(in z: SortedSet) -> Range<Int> {
            switch self {
            case .rank(let start, let stop, let reverse):
                guard let r = ListCommands.normalizedRange(start: start, stop: stop, count: z.count) else { return 0..<0 }
                return reverse ? (z.count - 1 - r.upperBound)..<(z.count - r.lowerBound) : r.lowerBound..<(r.upperBound + 1)
            case .score(let min, let max, _):
                let lo = z.firstIndex { min.admitsFromBelow($0.score) }
                let hi = z.firstIndex { !max.admitsFromAbove($0.score) }
                return lo < hi ? lo..<hi : 0..<0
            case .lex(let min, let max, let reverse):
                // As Redis walks its skiplist: nothing unless the range overlaps the first and
                // last members; then from the first member at or past one end, onward while
                // members stay within the other. With equal scores (the documented use)
                // that is the plain range; with mixed scores it is what Redis answers too,
                // wherever its search lands the same.
                let all = z.allEntries
                guard let first = all.first, let last = all.last,
                      min.admitsFromBelow(last.member), max.admitsFromAbove(first.member) else { return 0..<0 }
                if reverse {
                    let hi = z.firstIndex { !max.admitsFromAbove($0.member) }
                    var lo = hi
                    while lo > 0 && min.admitsFromBelow(all[lo - 1].member) { lo -= 1 }
                    return lo..<hi
                }
                let lo = z.firstIndex { min.admitsFromBelow($0.member) }
                var hi = lo
                while hi < all.count && max.admitsFromAbove(all[hi].member) { hi += 1 }
                return lo..<hi
            }
        }

        /// The entries in reply order, after LIMIT. O(log n + n / chunk + range).
        func entries(in z: SortedSet, limit: (offset: Int64, count: Int64)?) -> [Entry] {
            let span = positions(in: z)
            var lower = span.lowerBound, upper = span.upperBound
            if let limit {
                guard limit.offset >= 0 else { return [] }
                let skip = Int(clamping: limit.offset)
                let take = limit.count < 0 ? Int.max : Int(clamping: limit.count)
                if reverse {
                    upper = skip >= upper - lower ? lower : upper - skip
                    if take < upper - lower { lower = upper - take }
                } else {
                    lower = skip >= upper - lower ? upper : lower + skip
                    if take < upper - lower { upper = lower + take }
                }
            }
            let ascending = z.entries(in: lower..<upper)
            return reverse ? ascending.reversed() : ascending
        }
    }

    /// Parses min and max (or max and min when `reverse`) at `first` and `first + 1`.
    static func parseBounds(_ c: CommandContext, _ out: inout ReplyWriter, lex: Bool, first: Int, reverse: Bool) -> Selection? {
        let a = c.args[first], b = c.args[first + 1]
        let (minText, maxText) = reverse ? (b, a) : (a, b)
        if lex {
            guard let min = Score.LexBound.parse(minText), let max = Score.LexBound.parse(maxText) else {
                out.writeError("ERR min or max not valid string range item"); return nil
            }
            return .lex(min: min, max: max, reverse: reverse)
        }
        guard let min = Score.Bound.parse(minText), let max = Score.Bound.parse(maxText) else {
            out.writeError("ERR min or max is not a float"); return nil
        }
        return .score(min: min, max: max, reverse: reverse)
    }

    /// ZRANGE and its older forms, and ZRANGESTORE, with Redis's option rules.
    static func range(_ c: CommandContext, _ out: inout ReplyWriter, style: Style, keyIndex: Int, store: Key?) {
        let first = keyIndex + 1
        var byScore = false, byLex = false, reverse = false, withScores = false
        var limit: (offset: Int64, count: Int64)? = nil
        switch style {
        case .zrange: break
        case .rank(let r): reverse = r
        case .score(let r): byScore = true; reverse = r
        case .lex(let r): byLex = true; reverse = r
        }
        var i = first + 2
        while i < c.args.count {
            let more = c.args.count - i - 1
            if c.args.equals(i, lowercase: "withscores") && store == nil {
                withScores = true
            } else if c.args.equals(i, lowercase: "limit") && more >= 2 {
                guard let offset = c.args.int64(i + 1), let count = c.args.int64(i + 2) else {
                    out.writeError(ErrorReplies.notInteger); return
                }
                limit = (offset, count)
                i += 2
            } else if style == .zrange && c.args.equals(i, lowercase: "byscore") {
                byScore = true
            } else if style == .zrange && c.args.equals(i, lowercase: "bylex") {
                byLex = true
            } else if style == .zrange && c.args.equals(i, lowercase: "rev") {
                reverse = true
            } else {
                out.writeError(ErrorReplies.syntax); return
            }
            i += 1
        }
        if byScore && byLex { out.writeError(ErrorReplies.syntax); return }
        if limit != nil && !byScore && !byLex {
            out.writeError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"); return
        }
        if withScores && byLex {
            out.writeError("ERR syntax error, WITHSCORES not supported in combination with BYLEX"); return
        }
        let selection: Selection
        if byScore || byLex {
            guard let s = parseBounds(c, &out, lex: byLex, first: first, reverse: reverse) else { return }
            selection = s
        } else {
            guard let start = c.args.int64(first), let stop = c.args.int64(first + 1) else {
                out.writeError(ErrorReplies.notInteger); return
            }
            selection = .rank(start: start, stop: stop, reverse: reverse)
        }
        guard let z = read(c, c.key(keyIndex), &out) else { return }
        let entries = selection.entries(in: z, limit: limit)
        guard let destination = store else {
            writeEntries(entries, withScores: withScores, &out)
            return
        }
        let existed = c.engine.keyspace.databases[c.db].remove(destination) != nil
        if !entries.isEmpty {
            var result = SortedSet()
            for e in entries { result.set(e.member, score: e.score, limits: c.zsetLimits) }
            c.store(destination, .zset(result))
        }
        if existed || !entries.isEmpty {
            c.signalModified(destination)
            c.notifyStored(destination, stored: !entries.isEmpty, existed: existed, .zset, "zrangestore")
            c.recordVerbatim()
        }
        out.writeIntegerReply(Int64(entries.count))
    }

    static func removeRange(_ c: CommandContext, _ out: inout ReplyWriter, _ style: Style) {
        let selection: Selection
        switch style {
        case .score, .lex:
            guard let s = parseBounds(c, &out, lex: style == .lex(reverse: false), first: 2, reverse: false) else { return }
            selection = s
        default:
            guard let start = c.args.int64(2), let stop = c.args.int64(3) else { out.writeError(ErrorReplies.notInteger); return }
            selection = .rank(start: start, stop: stop, reverse: false)
        }
        let key = c.key(1)
        guard let outcome = c.modify(key, as: SortedSet.self, create: false, { z -> Result<Int, WriteRefusal> in
            let doomed = selection.entries(in: z, limit: nil)
            for e in doomed { z.remove(e.member) }
            return .success(doomed.count)
        }) else { out.writeIntegerReply(0); return }
        guard let removed = c.unwrap(outcome, &out) else { return }
        out.writeIntegerReply(Int64(removed))
        guard removed > 0 else { return }
        c.signalModified(key, .zset, removeRangeEvent(style))
        c.recordVerbatim()
    }

    // MARK: Writing

    /// ZADD's options and pairs, parsed (every score before anything changes).
    static func add(_ c: CommandContext, _ out: inout ReplyWriter) {
        var nx = false, xx = false, gt = false, lt = false, ch = false, incr = false
        var i = 2
        while i < c.args.count {
            if c.args.equals(i, lowercase: "nx") { nx = true }
            else if c.args.equals(i, lowercase: "xx") { xx = true }
            else if c.args.equals(i, lowercase: "gt") { gt = true }
            else if c.args.equals(i, lowercase: "lt") { lt = true }
            else if c.args.equals(i, lowercase: "ch") { ch = true }
            else if c.args.equals(i, lowercase: "incr") { incr = true }
            else { break }
            i += 1
        }
        let pairs = c.args.count - i
        guard pairs > 0, pairs % 2 == 0 else { out.writeError(ErrorReplies.syntax); return }
        if nx && xx { out.writeError("ERR XX and NX options at the same time are not compatible"); return }
        if (gt && nx) || (lt && nx) || (gt && lt) {
            out.writeError("ERR GT, LT, and/or NX options at the same time are not compatible"); return
        }
        if incr && pairs > 2 { out.writeError("ERR INCR option supports a single increment-element pair"); return }
        var scores: [Double] = []
        for p in stride(from: i, to: c.args.count, by: 2) {
            guard let score = Score.parse(c.args[p]) else { out.writeError(ErrorReplies.notFloat); return }
            scores.append(score)
        }
        let key = c.key(1)
        let first = i
        guard let outcome = c.modify(key, as: SortedSet.self, create: !xx, { z -> Result<(added: Int, changed: Int, score: Double?), WriteRefusal> in
            var added = 0, changed = 0
            var last: Double? = nil
            for (n, score) in scores.enumerated() {
                let member = c.value(first + 2 * n + 1)
                if let current = z.score(of: member) {
                    if nx { continue }
                    let new = incr ? current + score : score
                    if new.isNaN { return .failure(.message("ERR resulting score is not a number (NaN)")) }
                    if (gt && new <= current) || (lt && new >= current) { continue }
                    last = new
                    if new != current { z.set(member, score: new, limits: c.zsetLimits); changed += 1 }
                } else {
                    if xx { continue }
                    if score.isNaN { return .failure(.message("ERR resulting score is not a number (NaN)")) }
                    z.set(member, score: score, limits: c.zsetLimits)
                    added += 1
                    last = score
                }
            }
            return .success((added, changed, last))
        }) else {
            // XX on a missing key: nothing added.
            if incr { out.writeNull() } else { out.writeIntegerReply(0) }
            return
        }
        guard let result = c.unwrap(outcome, &out) else { return }
        if incr {
            if let score = result.score { out.writeDouble(Score.format(score)) } else { out.writeNull() }
        } else {
            out.writeIntegerReply(Int64(ch ? result.added + result.changed : result.added))
        }
        guard result.added + result.changed > 0 else { return }
        c.signalModified(key, .zset, incr ? "zincr" : "zadd")
        if incr, let score = result.score {
            c.record([.word("ZADD"), .slice(c.args[1]), .bytes(Score.format(score)), .slice(c.args[first + 1])])
        } else {
            c.recordVerbatim()
        }
    }

    static func incrementBy(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let increment = Score.parse(c.args[2]) else { out.writeError(ErrorReplies.notFloat); return }
        let key = c.key(1), member = c.value(3)
        guard let outcome = c.modify(key, as: SortedSet.self, create: true, { z -> Result<Double, WriteRefusal> in
            let new = (z.score(of: member) ?? 0) + increment
            if new.isNaN { return .failure(.message("ERR resulting score is not a number (NaN)")) }
            z.set(member, score: new, limits: c.zsetLimits)
            return .success(new)
        }), let score = c.unwrap(outcome, &out) else { return }
        c.signalModified(key, .zset, "zincr")
        out.writeDouble(Score.format(score))
        c.record([.word("ZADD"), .slice(c.args[1]), .bytes(Score.format(score)), .slice(c.args[3])])
    }

    static func remove(_ c: CommandContext, _ out: inout ReplyWriter) {
        c.removeMembers(as: SortedSet.self, event: (.zset, "zrem"), &out) { $0.remove($1) }
    }

    /// Takes up to `count` entries from the low (or high) end, in the order they come off.
    static func popEntries(_ z: inout SortedSet, max: Bool, count: Int) -> [Entry] {
        let n = min(count, z.count)
        let taken = max ? Array(z.entries(in: (z.count - n)..<z.count).reversed()) : z.entries(in: 0..<n)
        for e in taken { z.remove(e.member) }
        return taken
    }

    /// ZPOPMIN/ZPOPMAX key [count]: flat [member, score] without a count; with one, the
    /// entries (pairs in RESP3).
    static func pop(_ c: CommandContext, _ out: inout ReplyWriter, max: Bool) {
        guard let count = CollectionArguments.popCount(c, &out) else { return }
        let key = c.key(1)
        guard let outcome = c.modify(key, as: SortedSet.self, create: false, { z -> Result<[Entry], WriteRefusal> in
            .success(popEntries(&z, max: max, count: count ?? 1))
        }) else { out.writeArrayHeader(0); return }
        guard let popped = c.unwrap(outcome, &out) else { return }
        if count == nil, let e = popped.first {
            out.writeArrayHeader(2)
            out.writeBulk(e.member)
            out.writeDouble(Score.format(e.score))
        } else {
            writeEntries(popped, withScores: true, &out)
        }
        guard !popped.isEmpty else { return }
        c.signalModified(key, .zset, max ? "zpopmax" : "zpopmin")
        c.recordVerbatim()
    }

    /// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: logged as the ZPOPMIN/ZPOPMAX it became.
    /// BZMPOP timeout numkeys …: the same, the options parsed first and then the
    /// timeout (Redis's order); nothing to pop parks the client.
    static func multiPop(_ c: CommandContext, _ out: inout ReplyWriter, blocking: Bool = false) {
        guard let (keys, sideIndex, count) = CollectionArguments.multiPop(c, numkeysAt: blocking ? 2 : 1, &out) else { return }
        let max: Bool
        if c.args.equals(sideIndex, lowercase: "min") { max = false }
        else if c.args.equals(sideIndex, lowercase: "max") { max = true }
        else { out.writeError(ErrorReplies.syntax); return }
        guard let whenEmpty = WhenEmpty.parse(c, blocking: blocking, timeoutAt: 1, &out) else { return }
        switch c.popFirst(keys, as: SortedSet.self, event: (.zset, max ? "zpopmax" : "zpopmin"), &out, { popEntries(&$0, max: max, count: count) }) {
        case .refused: return
        case .none: whenEmpty.apply(c, keys: keys, &out)
        case .popped(let key, let popped):
            out.writeArrayHeader(2)
            out.writeBulk(key.bytes)
            out.writeArrayHeader(popped.count)
            for e in popped {
                out.writeArrayHeader(2)
                out.writeBulk(e.member)
                out.writeDouble(Score.format(e.score))
            }
            c.record([.word(max ? "ZPOPMAX" : "ZPOPMIN"), .bytes(key.bytes), .integer(Int64(popped.count))])
        }
    }

    // MARK: Union, intersection, difference

    enum Algebra { case union, intersection, difference }
    enum Aggregate { case sum, min, max }

    /// The scores of the set at `key` as a sorted set's: a plain set counts, every member
    /// with score 1, as in Redis. Nil after replying WRONGTYPE.
    static func readScores(_ c: CommandContext, _ key: Key, _ out: inout ReplyWriter) -> [(ByteString, Double)]? {
        guard let entry = c.lookupRead(key) else { return [] }
        switch entry.value {
        case .zset(let z): return z.allEntries.map { ($0.member, $0.score) }
        case .set(let members): return members.map { ($0, 1) }
        default: out.writeError(ErrorReplies.wrongType); return nil
        }
    }

    /// ZUNION/ZINTER/ZDIFF, their STORE forms and ZINTERCARD. NaN from weights or sums
    /// becomes 0, as Redis makes it. A STORE replaces the destination (deleted when the
    /// result is empty) and is logged as DEL plus the ZADD of the result.
    static func algebra(_ c: CommandContext, _ out: inout ReplyWriter, _ operation: Algebra, name: String,
                        store: Key?, cardinality: Bool = false) {
        let numkeysIndex = store == nil ? 1 : 2
        guard let numkeys = c.args.int64(numkeysIndex) else { out.writeError(ErrorReplies.notInteger); return }
        guard numkeys >= 1 else { out.writeError("ERR at least 1 input key is needed for '\(name)' command"); return }
        guard numkeys <= Int64(c.args.count - numkeysIndex - 1) else { out.writeError(ErrorReplies.syntax); return }
        let keys = (numkeysIndex + 1)..<(numkeysIndex + 1 + Int(numkeys))
        // As Redis: every key's type is checked before the options are read.
        var inputs: [[(ByteString, Double)]] = []
        for k in keys {
            guard let scores = readScores(c, c.key(k), &out) else { return }
            inputs.append(scores)
        }
        var weights = [Double](repeating: 1, count: keys.count)
        var aggregate = Aggregate.sum
        var withScores = false
        var limit = Int.max
        var i = keys.upperBound
        while i < c.args.count {
            let more = c.args.count - i - 1
            if cardinality && c.args.equals(i, lowercase: "limit") && more >= 1 {
                guard let n = c.args.int64(i + 1), n >= 0 else { out.writeError("ERR LIMIT can't be negative"); return }
                limit = n == 0 ? Int.max : Int(clamping: n)
                i += 2
            } else if !cardinality && operation != .difference && c.args.equals(i, lowercase: "weights") && more >= keys.count {
                for w in 0..<keys.count {
                    guard let weight = Score.parse(c.args[i + 1 + w]) else { out.writeError("ERR weight value is not a float"); return }
                    weights[w] = weight
                }
                i += 1 + keys.count
            } else if !cardinality && operation != .difference && c.args.equals(i, lowercase: "aggregate") && more >= 1 {
                if c.args.equals(i + 1, lowercase: "sum") { aggregate = .sum }
                else if c.args.equals(i + 1, lowercase: "min") { aggregate = .min }
                else if c.args.equals(i + 1, lowercase: "max") { aggregate = .max }
                else { out.writeError(ErrorReplies.syntax); return }
                i += 2
            } else if !cardinality && store == nil && c.args.equals(i, lowercase: "withscores") {
                withScores = true
                i += 1
            } else {
                out.writeError(ErrorReplies.syntax); return
            }
        }
        func weighted(_ score: Double, _ w: Int) -> Double {
            let value = score * weights[w]
            return value.isNaN ? 0 : value
        }
        func combine(_ a: Double, _ b: Double) -> Double {
            switch aggregate {
            case .sum: let s = a + b; return s.isNaN ? 0 : s
            case .min: return Swift.min(a, b)
            case .max: return Swift.max(a, b)
            }
        }
        var result: [ByteString: Double] = [:]
        switch operation {
        case .union:
            for (w, input) in inputs.enumerated() {
                for (member, score) in input {
                    let value = weighted(score, w)
                    result[member] = result[member].map { combine($0, value) } ?? value
                }
            }
        case .intersection:
            let lookups = inputs.map { Dictionary($0, uniquingKeysWith: { a, _ in a }) }
            guard let smallest = inputs.indices.min(by: { inputs[$0].count < inputs[$1].count }) else { break }
            for (member, _) in inputs[smallest] where result.count < limit {
                var value: Double? = nil
                for w in inputs.indices {
                    guard let score = lookups[w][member] else { value = nil; break }
                    let v = weighted(score, w)
                    value = value.map { combine($0, v) } ?? v
                }
                if let value { result[member] = value }
            }
        case .difference:
            let others = inputs.dropFirst().map { Set($0.map(\.0)) }
            for (member, score) in inputs[0] where !others.contains(where: { $0.contains(member) }) {
                result[member] = score
            }
        }
        if cardinality { out.writeIntegerReply(Int64(result.count)); return }
        var z = SortedSet()
        for (member, score) in result { z.set(member, score: score, limits: c.zsetLimits) }
        guard let destination = store else {
            writeEntries(z.allEntries, withScores: withScores, &out)
            return
        }
        let existed = c.engine.keyspace.databases[c.db].remove(destination) != nil
        if !z.isEmpty { c.store(destination, .zset(z)) }
        out.writeIntegerReply(Int64(z.count))
        guard existed || !z.isEmpty else { return }
        c.signalModified(destination)
        let event: StaticString = operation == .union ? "zunionstore" : operation == .intersection ? "zinterstore" : "zdiffstore"
        c.notifyStored(destination, stored: !z.isEmpty, existed: existed, .zset, event)
        c.record([.word("DEL"), .bytes(destination.bytes)])
        c.recordChunked("ZADD", destination, z.allEntries.map { [.bytes(Score.format($0.score)), .bytes($0.member.bytes)] })
    }

    /// ZRANDMEMBER key [count [WITHSCORES]], with SRANDMEMBER's rules for the count.
    static func randomMember(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count <= 4 else { out.writeError(ErrorReplies.syntax); return }
        guard c.args.count >= 3 else {
            guard let z = read(c, c.key(1), &out) else { return }
            if z.isEmpty { out.writeNull(); return }
            let at = Int.random(in: 0..<z.count, using: &c.engine.random)
            out.writeBulk(z.entries(in: at..<(at + 1))[0].member)
            return
        }
        // As Redis: the count is checked before the option.
        guard let count = CollectionArguments.randomCount(c, at: 2, &out) else { return }
        var withScores = false
        if c.args.count == 4 {
            guard c.args.equals(3, lowercase: "withscores") else { out.writeError(ErrorReplies.syntax); return }
            withScores = true
        }
        guard let z = read(c, c.key(1), &out) else { return }
        let all = z.allEntries
        let picked = CollectionArguments.randomPositions(count: count, size: all.count, using: &c.engine.random).map { all[$0] }
        writeEntries(picked, withScores: withScores, &out)
    }

    /// ZSCAN: the whole sorted set in one reply, cursor 0 — what Redis does for small
    /// sets; COUNT is a hint. Members and scores alternate, scores as bulk strings.
    /// ZSCAN. A compact set (Redis's listpack) is answered whole, in order, cursor 0, as
    /// Redis does; a larger one a page of about COUNT members at a time, walking the
    /// member table from the end (the cursor is how many positions remain; see
    /// `SortedSet.scanEntry`). O(COUNT) per call; O(n) for a compact set.
    static func scan(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let (cursor, z, pattern, count) = c.scanTarget(as: SortedSet.self, &out) else { return }
        var found: [SortedSet.Entry] = []
        var remaining = 0
        if z.isCompact {
            found = z.allEntries
            if let pattern { found = found.filter { e in e.member.withUnsafeBytes { GlobPattern.matches(pattern, $0) } } }
        } else {
            remaining = cursor == 0 || cursor > UInt64(z.count) ? z.count : Int(cursor)
            var visited = 0
            while remaining > 0 && visited < count {
                remaining -= 1
                visited += 1
                guard let e = z.scanEntry(at: remaining) else { break }
                if let pattern, !e.member.withUnsafeBytes({ GlobPattern.matches(pattern, $0) }) { continue }
                found.append(e)
            }
        }
        out.writeArrayHeader(2)
        out.writeBulk(String(remaining))
        out.writeArrayHeader(found.count * 2)
        for e in found {
            out.writeBulk(e.member)
            out.writeBulk(Score.format(e.score))
        }
    }
}
