import NIOCore
import CairnConfig
import CairnProtocol
import CairnKeyspace
import DequeModule

/// SORT and SORT_RO over lists, sets and sorted sets, as Redis 7.0's `sortCommandGeneric`:
/// numeric (by `strtod`) or ALPHA (byte order) on the elements or on weights looked up by a
/// BY pattern, LIMIT, GET patterns (`#`, `key*`, `hash*->field`), STORE as a list.
/// SORT … STORE is logged as its effect (DEL, then RPUSH of the result), so replay does not
/// depend on the keys the patterns read.
enum SortCommand {
    static let specs: [CommandSpec] = [
        CommandSpec("sort", arity: -2, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "generic", categories: [.list, .set, .sortedset, .dangerous],
                    complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
                    summary: "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
                    syntax: "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]",
                    run: { c, o in sort(c, &o, readOnly: false) }),
        CommandSpec("sort_ro", arity: -2, flags: [.readonly], keys: (1, 1, 1), group: "generic", since: "7.0.0", categories: [.list, .set, .sortedset, .dangerous],
                    complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
                    summary: "Returns the sorted elements of a list, a set, or a sorted set.",
                    syntax: "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]",
                    run: { c, o in sort(c, &o, readOnly: true) }),
    ]

    /// The parsed options.
    struct Options {
        var descending = false
        var alpha = false
        var limitStart: Int64 = 0
        var limitCount: Int64 = -1
        var by: ArraySlice<UInt8>?
        var gets: [ArraySlice<UInt8>] = []
        var store: Key?
        /// BY a pattern without `*`: nothing to sort by, elements keep their order.
        var dontSort: Bool { by.map { !$0.contains(UInt8(ascii: "*")) } ?? false }
    }

    /// One element being sorted and what it is compared by.
    struct Item {
        var element: ByteString
        var weight: Double = 0
        /// The BY value for ALPHA with a pattern; nil when the looked-up key is missing.
        var alphaKey: ByteString?
    }

    static func parseOptions(_ c: CommandContext, readOnly: Bool, _ out: inout ReplyWriter) -> Options? {
        var o = Options()
        var i = 2
        while i < c.args.count {
            let left = c.args.count - i - 1
            let word = c.args.string(i).lowercased()
            switch word {
            case "asc": o.descending = false
            case "desc": o.descending = true
            case "alpha": o.alpha = true
            case "limit" where left >= 2:
                guard let start = c.args.int64(i + 1), let count = c.args.int64(i + 2) else {
                    out.writeError(ErrorReplies.notInteger); return nil
                }
                o.limitStart = start
                o.limitCount = count
                i += 2
            case "store" where !readOnly && left >= 1:
                o.store = c.key(i + 1)
                i += 1
            case "by" where left >= 1:
                // A real BY pattern reads keys the ACL check never saw: only for users who
                // may read every key, as in Redis 7.0 (so is every GET).
                if c.args.bytes(i + 1).contains(UInt8(ascii: "*")), !readsEveryKey(c.client) {
                    out.writeError("ERR BY option of SORT denied due to insufficient ACL permissions."); return nil
                }
                o.by = c.args[i + 1]
                i += 1
            case "get" where left >= 1:
                guard readsEveryKey(c.client) else {
                    out.writeError("ERR GET option of SORT denied due to insufficient ACL permissions."); return nil
                }
                o.gets.append(c.args[i + 1])
                i += 1
            default:
                out.writeError(ErrorReplies.syntax); return nil
            }
            i += 1
        }
        return o
    }

    /// Whether the client's user may read any key (`allkeys`, or a `~*` / `%R~*` pattern).
    static func readsEveryKey(_ client: ClientSession) -> Bool {
        guard let user = client.user, !user.isUnrestricted else { return true }
        let rules = user.rules
        return rules.allKeys || rules.keyPatterns.contains { $0.pattern == [UInt8(ascii: "*")] && $0.permissions.contains(.read) }
    }

    static func sort(_ c: CommandContext, _ out: inout ReplyWriter, readOnly: Bool) {
        guard var o = parseOptions(c, readOnly: readOnly, &out) else { return }
        let source = c.lookupRead(c.key(1))?.value
        var dontSort = o.dontSort
        if case .set = source, dontSort, o.store != nil {
            // A stored result must not depend on a set's internal order: sort by element.
            dontSort = false
            o.alpha = true
            o.by = nil
        }

        // The selection LIMIT makes, clamped as Redis clamps it (no arithmetic on the raw values).
        let length: Int
        switch source {
        case nil: length = 0
        case .list(let list): length = list.count
        case .set(let members): length = members.count
        case .zset(let z): length = z.count
        case .string, .hash, .stream: out.writeError(ErrorReplies.wrongType); return
        }
        let n = Int64(length)
        var start = min(max(o.limitStart, 0), n)
        let count = min(max(o.limitCount, -1), n)
        var end = count < 0 ? n - 1 : start + count - 1
        if start >= n { start = n - 1; end = n - 2 }
        if end >= n { end = n - 1 }

        var items = collect(source, dontSort: dontSort, descending: o.descending, start: Int(start), end: Int(end))
        if dontSort, case .list = source { end -= start; start = 0 }
        if dontSort, case .zset = source { end -= start; start = 0 }

        if !dontSort {
            var conversionError = false
            for j in items.indices {
                let by: ByteString
                if let pattern = o.by {
                    // A missing weight leaves the element at 0 (numeric) or first (ALPHA).
                    guard let found = lookup(c, pattern: pattern, element: items[j].element) else { continue }
                    by = found
                } else {
                    by = items[j].element
                }
                if o.alpha {
                    if o.by != nil { items[j].alphaKey = by }
                } else if let weight = weight(of: by) {
                    items[j].weight = weight
                } else {
                    conversionError = true
                }
            }
            if conversionError {
                out.writeError("ERR One or more scores can't be converted into double"); return
            }
            let byPattern = o.by != nil
            let alpha = o.alpha
            let descending = o.descending
            items.sort { a, b in
                let order = compare(a, b, alpha: alpha, byPattern: byPattern)
                return descending ? order > 0 : order < 0
            }
        }

        let selected = start <= end ? items[Int(start)...Int(end)] : items[0..<0]
        if let destination = o.store {
            store(c, selected, gets: o.gets, into: destination, &out)
            return
        }
        out.writeArrayHeader(o.gets.isEmpty ? selected.count : selected.count * o.gets.count)
        for item in selected {
            if o.gets.isEmpty { out.writeBulk(item.element); continue }
            for pattern in o.gets {
                if let value = lookup(c, pattern: pattern, element: item.element) { out.writeBulk(value) } else { out.writeNull() }
            }
        }
    }

    /// The elements to sort: all of them, or — when nothing is sorted — just the LIMIT
    /// range of a list or sorted set in its own order (reversed for DESC). O(n), or
    /// O(range) plus the seek.
    static func collect(_ source: Value?, dontSort: Bool, descending: Bool, start: Int, end: Int) -> [Item] {
        switch source {
        case .list(let list):
            guard dontSort else { return list.map { Item(element: $0) } }
            guard end >= start else { return [] }
            let positions = descending ? Array(((list.count - 1 - end)...(list.count - 1 - start)).reversed()) : Array(start...end)
            return positions.map { Item(element: list[$0]) }
        case .set(let members):
            return members.map { Item(element: $0) }
        case .zset(let z):
            guard dontSort else { return z.allEntries.map { Item(element: $0.member) } }
            guard end >= start else { return [] }
            if descending {
                return z.entries(in: (z.count - 1 - end)..<(z.count - start)).reversed().map { Item(element: $0.member) }
            }
            return z.entries(in: start..<(end + 1)).map { Item(element: $0.member) }
        default:
            return []
        }
    }

    /// Redis's `sortCompare`: numeric by weight, ties by element bytes; ALPHA by element
    /// bytes, or by the BY values with missing ones first.
    static func compare(_ a: Item, _ b: Item, alpha: Bool, byPattern: Bool) -> Int {
        if !alpha {
            if a.weight > b.weight { return 1 }
            if a.weight < b.weight { return -1 }
            return bytesOrder(a.element, b.element)
        }
        if byPattern {
            switch (a.alphaKey, b.alphaKey) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (x?, y?): return bytesOrder(x, y)
            }
        }
        return bytesOrder(a.element, b.element)
    }

    static func bytesOrder(_ a: ByteString, _ b: ByteString) -> Int {
        a == b ? 0 : (a < b ? -1 : 1)
    }

    /// A weight as SORT reads it: `strtod` over the text up to the end (or a NUL byte);
    /// an empty text is 0; NaN and out-of-range values are errors. O(n).
    static func weight(of text: ByteString) -> Double? {
        let r = text.withUnsafeBytes { Score.strtodWhole($0) }
        guard r.reachedEnd, !r.outOfRange, !r.value.isNaN else { return nil }
        return r.value
    }

    /// Redis's `lookupKeyByPattern`: `#` is the element itself; otherwise the first `*`
    /// is replaced by the element and the key read — a string, or with `->field` after
    /// the `*`, that field of a hash. Anything else (no `*`, a missing key, another type)
    /// is nil. O(pattern + element).
    static func lookup(_ c: CommandContext, pattern: ArraySlice<UInt8>, element: ByteString) -> ByteString? {
        if pattern.count == 1, pattern.first == UInt8(ascii: "#") { return element }
        guard let star = pattern.firstIndex(of: UInt8(ascii: "*")) else { return nil }
        var keyEnd = pattern.endIndex
        var field: ArraySlice<UInt8>?
        var i = star + 1
        while i + 1 < pattern.endIndex {
            if pattern[i] == UInt8(ascii: "-"), pattern[i + 1] == UInt8(ascii: ">") {
                if i + 2 < pattern.endIndex {
                    keyEnd = i
                    field = pattern[(i + 2)...]
                }
                break
            }
            i += 1
        }
        var name = Array(pattern[pattern.startIndex..<star])
        name.append(contentsOf: element.bytes)
        name.append(contentsOf: pattern[(star + 1)..<keyEnd])
        guard let entry = c.lookupRead(Key(name)) else { return nil }
        switch (entry.value, field) {
        case (.string(let s), nil): return s
        case (.hash(let fields), let field?): return fields[ByteString(field)]
        default: return nil
        }
    }

    /// STORE: the result (or the GET values, "" for missing ones) as a list; an empty
    /// result deletes the destination. Logged as DEL + RPUSH chunks. Replies the length.
    static func store(_ c: CommandContext, _ selected: ArraySlice<Item>, gets: [ArraySlice<UInt8>],
                      into destination: Key, _ out: inout ReplyWriter) {
        var result = Deque<ByteString>()
        for item in selected {
            if gets.isEmpty { result.append(item.element); continue }
            for pattern in gets { result.append(lookup(c, pattern: pattern, element: item.element) ?? ByteString()) }
        }
        let existed = c.engine.keyspace.databases[c.db].remove(destination) != nil
        c.notifyStored(destination, stored: !result.isEmpty, existed: existed, .list, "sortstore")
        if result.isEmpty {
            if existed {
                c.signalModified(destination)
                c.record([.word("DEL"), .bytes(destination.bytes)])
            }
        } else {
            c.store(destination, .list(result))
            c.signalModified(destination)
            c.record([.word("DEL"), .bytes(destination.bytes)])
            c.recordChunked("RPUSH", destination, result.map { [.bytes($0.bytes)] })
        }
        out.writeIntegerReply(Int64(result.count))
    }
}
