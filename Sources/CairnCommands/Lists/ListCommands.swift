import CairnProtocol
import CairnConfig
import CairnKeyspace
import DequeModule

/// Lists: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM
/// LPOS LMOVE RPOPLPUSH LMPOP, with Redis 7.0's replies and errors. A list is a `Deque`
/// (O(1) at both ends, O(1) by index); an emptied list is deleted. Every write is
/// deterministic given the list, so it is logged as received, except LMPOP, logged as the
/// LPOP or RPOP it became (as Redis propagates it).
enum ListCommands {
    typealias Elements = Deque<ByteString>

    static let specs: [CommandSpec] = [
        CommandSpec("lpush", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "list",
                    complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
                    summary: "Prepend one or multiple elements to a list", syntax: "key element [element ...]",
                    run: { c, o in push(c, &o, head: true, onlyExisting: false) }),
        CommandSpec("rpush", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "list",
                    complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
                    summary: "Append one or multiple elements to a list", syntax: "key element [element ...]",
                    run: { c, o in push(c, &o, head: false, onlyExisting: false) }),
        CommandSpec("lpushx", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "list", since: "2.2.0",
                    complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
                    summary: "Prepend an element to a list, only if the list exists", syntax: "key element [element ...]",
                    run: { c, o in push(c, &o, head: true, onlyExisting: true) }),
        CommandSpec("rpushx", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), group: "list", since: "2.2.0",
                    complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
                    summary: "Append an element to a list, only if the list exists", syntax: "key element [element ...]",
                    run: { c, o in push(c, &o, head: false, onlyExisting: true) }),
        CommandSpec("lpop", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "list",
                    complexity: "O(N) where N is the number of elements returned",
                    summary: "Remove and get the first elements in a list", syntax: "key [count]",
                    run: { c, o in pop(c, &o, head: true) }),
        CommandSpec("rpop", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), group: "list",
                    complexity: "O(N) where N is the number of elements returned",
                    summary: "Remove and get the last elements in a list", syntax: "key [count]",
                    run: { c, o in pop(c, &o, head: false) }),
        CommandSpec("llen", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "list",
                    summary: "Get the length of a list", syntax: "key",
                    run: { c, o in if let l = read(c, &o) { o.writeIntegerReply(Int64(l.count)) } }),
        CommandSpec("lrange", arity: 4, flags: [.readonly], keys: (1, 1, 1), group: "list",
                    complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
                    summary: "Get a range of elements from a list", syntax: "key start stop", run: range),
        CommandSpec("lindex", arity: 3, flags: [.readonly], keys: (1, 1, 1), group: "list",
                    complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
                    summary: "Get an element from a list by its index", syntax: "key index", run: index),
        CommandSpec("lset", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "list",
                    complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
                    summary: "Set the value of an element in a list by its index", syntax: "key index element", run: set),
        CommandSpec("linsert", arity: 5, flags: [.write, .denyOOM], keys: (1, 1, 1), group: "list", since: "2.2.0",
                    complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
                    summary: "Insert an element before or after another element in a list", syntax: "key BEFORE|AFTER pivot element",
                    run: insert),
        CommandSpec("lrem", arity: 4, flags: [.write], keys: (1, 1, 1), group: "list",
                    complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.",
                    summary: "Remove elements from a list", syntax: "key count element", run: remove),
        CommandSpec("ltrim", arity: 4, flags: [.write], keys: (1, 1, 1), group: "list",
                    complexity: "O(N) where N is the number of elements to be removed by the operation.",
                    summary: "Trim a list to the specified range", syntax: "key start stop", run: trim),
        CommandSpec("lpos", arity: -3, flags: [.readonly], keys: (1, 1, 1), group: "list", since: "6.0.6",
                    complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
                    summary: "Return the index of matching elements on a list", syntax: "key element [RANK rank] [COUNT num-matches] [MAXLEN len]",
                    run: position),
        CommandSpec("lmove", arity: 5, flags: [.write, .denyOOM], keys: (1, 2, 1), group: "list", since: "6.2.0",
                    summary: "Pop an element from a list, push it to another list and return it",
                    syntax: "source destination LEFT|RIGHT LEFT|RIGHT", run: lmove),
        CommandSpec("rpoplpush", arity: 3, flags: [.write, .denyOOM], keys: (1, 2, 1), group: "list", since: "1.2.0",
                    summary: "Remove the last element in a list, prepend it to another list and return it",
                    syntax: "source destination", run: { c, o in move(c, &o, fromHead: false, toHead: true) }),
        CommandSpec("lmpop", arity: -4, flags: [.write], keys: (0, 0, 0), group: "list", since: "7.0.0",
                    complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
                    summary: "Pop elements from a list", syntax: "numkeys key [key ...] LEFT|RIGHT [COUNT count]", run: { c, o in mpop(c, &o) }),
    ]

    // MARK: Reading

    /// The list at argument 1 (empty when absent), or nil after replying WRONGTYPE. O(1).
    static func read(_ c: CommandContext, _ out: inout ReplyWriter) -> Elements? {
        c.readOrEmpty(c.key(1), as: Elements.self, &out)
    }

    /// Redis's range rules: negative indexes count from the end, `start` is raised to 0,
    /// `stop` lowered to the last index. Nil when the range is empty. No arithmetic can
    /// overflow: indexes are compared with the count before they are combined with it.
    static func normalizedRange(start: Int64, stop: Int64, count: Int) -> ClosedRange<Int>? {
        let n = Int64(count)
        var start = start, stop = stop
        if start < 0 { start = start < -n ? 0 : n + start }
        if stop < 0 { stop = stop < -n ? -1 : n + stop }
        if stop >= n { stop = n - 1 }
        guard start <= stop, start < n, stop >= 0 else { return nil }
        return Int(start)...Int(stop)
    }

    /// The element index `i` names (negative from the end), or nil when out of range.
    static func resolvedIndex(_ i: Int64, count: Int) -> Int? {
        let n = Int64(count)
        if i >= 0 { return i < n ? Int(i) : nil }
        return i >= -n ? Int(n + i) : nil
    }

    static func range(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let start = c.args.int64(2), let stop = c.args.int64(3) else { out.writeError(ErrorReplies.notInteger); return }
        guard let list = read(c, &out) else { return }
        guard let r = normalizedRange(start: start, stop: stop, count: list.count) else { out.writeArrayHeader(0); return }
        out.writeArrayHeader(r.count)
        for i in r { out.writeBulk(list[i]) }
    }

    /// Redis looks the key up before it parses the index: a missing key answers nil.
    static func index(_ c: CommandContext, _ out: inout ReplyWriter) {
        let list: Elements
        switch c.read(c.key(1), as: Elements.self, &out) {
        case .refused: return
        case .absent: out.writeNull(); return
        case .found(let found): list = found
        }
        guard let i = c.args.int64(2) else { out.writeError(ErrorReplies.notInteger); return }
        if let at = resolvedIndex(i, count: list.count) { out.writeBulk(list[at]) } else { out.writeNull() }
    }

    /// LPOS key element [RANK r] [COUNT n] [MAXLEN m]. O(elements scanned).
    static func position(_ c: CommandContext, _ out: inout ReplyWriter) {
        var rank: Int64 = 1, wanted: Int64? = nil, maxLength: Int64 = 0
        var i = 3
        while i < c.args.count {
            guard i + 1 < c.args.count else { out.writeError(ErrorReplies.syntax); return }
            if c.args.equals(i, lowercase: "rank") {
                guard let n = c.args.int64(i + 1) else { out.writeError(ErrorReplies.notInteger); return }
                guard n != 0 else {
                    out.writeError("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
                    return
                }
                // -Int64.min does not exist; Redis 7.2 refuses it the same way.
                guard n != Int64.min else {
                    out.writeError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
                    return
                }
                rank = n
            } else if c.args.equals(i, lowercase: "count") {
                // Redis gives this one message for a non-integer too.
                guard let n = c.args.int64(i + 1), n >= 0 else { out.writeError("ERR COUNT can't be negative"); return }
                wanted = n
            } else if c.args.equals(i, lowercase: "maxlen") {
                guard let n = c.args.int64(i + 1), n >= 0 else { out.writeError("ERR MAXLEN can't be negative"); return }
                maxLength = n
            } else {
                out.writeError(ErrorReplies.syntax); return
            }
            i += 2
        }
        guard let list = read(c, &out) else { return }
        let element = c.value(2)
        let limit = wanted.map { $0 == 0 ? Int.max : Int(clamping: $0) } ?? 1
        let scanLimit = maxLength == 0 ? list.count : min(list.count, Int(clamping: maxLength))
        var skip = rank > 0 ? rank - 1 : -rank - 1
        var found: [Int] = []
        for step in 0..<scanLimit where found.count < limit {
            let at = rank > 0 ? step : list.count - 1 - step
            guard list[at] == element else { continue }
            if skip > 0 { skip -= 1; continue }
            found.append(at)
        }
        if wanted == nil {
            if let first = found.first { out.writeIntegerReply(Int64(first)) } else { out.writeNull() }
        } else {
            out.writeArrayHeader(found.count)
            for at in found { out.writeIntegerReply(Int64(at)) }
        }
    }

    // MARK: Writing

    static func push(_ c: CommandContext, _ out: inout ReplyWriter, head: Bool, onlyExisting: Bool) {
        let key = c.key(1)
        guard let outcome = c.modify(key, as: Elements.self, create: !onlyExisting, { list -> Result<Int, WriteRefusal> in
            for i in 2..<c.args.count {
                if head { list.prepend(c.value(i)) } else { list.append(c.value(i)) }
            }
            return .success(list.count)
        }) else { out.writeIntegerReply(0); return }
        guard let length = c.unwrap(outcome, &out) else { return }
        c.signalModified(key, .list, head ? "lpush" : "rpush")
        out.writeIntegerReply(Int64(length))
        c.recordVerbatim()
    }

    /// LPOP/RPOP key [count]: without a count one element or nil; with one, an array
    /// (empty for 0) or a null array when the key is absent.
    static func pop(_ c: CommandContext, _ out: inout ReplyWriter, head: Bool) {
        guard c.args.count <= 3 else { out.writeError(ErrorReplies.wrongArity(head ? "lpop" : "rpop")); return }
        guard let count = CollectionArguments.popCount(c, &out) else { return }
        let key = c.key(1)
        guard let outcome = c.modify(key, as: Elements.self, create: false, { list -> Result<[ByteString], WriteRefusal> in
            .success(popElements(&list, head: head, count: count ?? 1))
        }) else {
            if count == nil { out.writeNull() } else { out.writeNullArray() }
            return
        }
        guard let popped = c.unwrap(outcome, &out) else { return }
        if count == nil {
            if let first = popped.first { out.writeBulk(first) } else { out.writeNull() }
        } else {
            out.writeArrayHeader(popped.count)
            for element in popped { out.writeBulk(element) }
        }
        guard !popped.isEmpty else { return }
        c.signalModified(key, .list, head ? "lpop" : "rpop")
        c.recordVerbatim()
    }

    /// Takes up to `count` elements from one end, in the order they come off. O(count).
    static func popElements(_ list: inout Elements, head: Bool, count: Int) -> [ByteString] {
        let n = min(count, list.count)
        var popped: [ByteString] = []
        popped.reserveCapacity(n)
        for _ in 0..<n { popped.append(head ? list.removeFirst() : list.removeLast()) }
        return popped
    }

    /// Redis checks the key (missing, WRONGTYPE) before it parses the index.
    static func set(_ c: CommandContext, _ out: inout ReplyWriter) {
        let key = c.key(1)
        guard let outcome = c.modify(key, as: Elements.self, create: false, { list -> Result<Void, WriteRefusal> in
            guard let i = c.args.int64(2) else { return .failure(.message(ErrorReplies.notInteger)) }
            guard let at = resolvedIndex(i, count: list.count) else { return .failure(.message("ERR index out of range")) }
            list[at] = c.value(3)
            return .success(())
        }) else { out.writeError(ErrorReplies.noSuchKey); return }
        guard c.unwrap(outcome, &out) != nil else { return }
        c.signalModified(key, .list, "lset")
        out.writeOK()
        c.recordVerbatim()
    }

    static func insert(_ c: CommandContext, _ out: inout ReplyWriter) {
        let before: Bool
        if c.args.equals(2, lowercase: "before") { before = true }
        else if c.args.equals(2, lowercase: "after") { before = false }
        else { out.writeError(ErrorReplies.syntax); return }
        let key = c.key(1)
        guard let outcome = c.modify(key, as: Elements.self, create: false, { list -> Result<Int, WriteRefusal> in
            let pivot = c.value(3)
            guard let at = list.firstIndex(of: pivot) else { return .success(-1) }
            list.insert(c.value(4), at: before ? at : at + 1)
            return .success(list.count)
        }) else { out.writeIntegerReply(0); return }
        guard let length = c.unwrap(outcome, &out) else { return }
        out.writeIntegerReply(Int64(length))
        guard length > 0 else { return }
        c.signalModified(key, .list, "linsert")
        c.recordVerbatim()
    }

    /// LREM key count element: count > 0 from the head, < 0 from the tail, 0 all. O(N).
    static func remove(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let count = c.args.int64(2) else { out.writeError(ErrorReplies.notInteger); return }
        let key = c.key(1)
        guard let outcome = c.modify(key, as: Elements.self, create: false, { list -> Result<Int, WriteRefusal> in
            let element = c.value(3)
            let limit = count == 0 ? Int.max : Int(clamping: count.magnitude)
            var removed = 0
            var kept = Elements()
            kept.reserveCapacity(list.count)
            if count >= 0 {
                for item in list {
                    if removed < limit && item == element { removed += 1 } else { kept.append(item) }
                }
            } else {
                for item in list.reversed() {
                    if removed < limit && item == element { removed += 1 } else { kept.prepend(item) }
                }
            }
            if removed > 0 { list = kept }
            return .success(removed)
        }) else { out.writeIntegerReply(0); return }
        guard let removed = c.unwrap(outcome, &out) else { return }
        out.writeIntegerReply(Int64(removed))
        guard removed > 0 else { return }
        c.signalModified(key, .list, "lrem")
        c.recordVerbatim()
    }

    static func trim(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let start = c.args.int64(2), let stop = c.args.int64(3) else { out.writeError(ErrorReplies.notInteger); return }
        let key = c.key(1)
        guard let outcome = c.modify(key, as: Elements.self, create: false, { list -> Result<Bool, WriteRefusal> in
            let before = list.count
            if let r = normalizedRange(start: start, stop: stop, count: list.count) {
                list.removeLast(list.count - 1 - r.upperBound)
                list.removeFirst(r.lowerBound)
            } else {
                list.removeAll()
            }
            return .success(list.count != before)
        }) else { out.writeOK(); return }
        guard let changed = c.unwrap(outcome, &out) else { return }
        out.writeOK()
        guard changed else { return }
        c.signalModified(key, .list, "ltrim")
        c.recordVerbatim()
    }

    // MARK: Moving

    static func lmove(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let from = side(c.args, 3), let to = side(c.args, 4) else { out.writeError(ErrorReplies.syntax); return }
        move(c, &out, fromHead: from, toHead: to)
    }

    /// LEFT (true) or RIGHT (false) at argument `i`.
    static func side(_ args: Arguments, _ i: Int) -> Bool? {
        if args.equals(i, lowercase: "left") { return true }
        if args.equals(i, lowercase: "right") { return false }
        return nil
    }

    /// Pops from the source and pushes onto the destination (the same list rotates).
    /// The destination's type is checked before anything is popped, as Redis does.
    /// Logged as LMOVE (RPOPLPUSH and the blocking forms too). With `blockUntil` (BLMOVE,
    /// BRPOPLPUSH: a deadline) an absent source parks the client instead of answering nil.
    static func move(_ c: CommandContext, _ out: inout ReplyWriter, fromHead: Bool, toHead: Bool, blockUntil: Int64? = nil) {
        let source = c.key(1), destination = c.key(2)
        switch c.read(source, as: Elements.self, &out) {
        case .refused: return
        case .absent:
            if let deadline = blockUntil {
                c.engine.block(c, on: [source], deadline: deadline, timeoutReply: .nullArray, refusedReply: .nullBulk, &out)
            } else {
                out.writeNull()
            }
            return
        case .found: break
        }
        if case .refused = c.read(destination, as: Elements.self, &out) { return }
        guard let outcome = c.modify(source, as: Elements.self, create: false, { list -> Result<ByteString, WriteRefusal> in
            .success(fromHead ? list.removeFirst() : list.removeLast())
        }), let element = c.unwrap(outcome, &out) else { return }
        _ = c.modify(destination, as: Elements.self, create: true) { list -> Result<Void, WriteRefusal> in
            if toHead { list.prepend(element) } else { list.append(element) }
            return .success(())
        }
        c.signalModified(destination, .list, toHead ? "lpush" : "rpush")
        c.signalModified(source, .list, fromHead ? "lpop" : "rpop")
        out.writeBulk(element)
        c.record([.word("LMOVE"), .bytes(source.bytes), .bytes(destination.bytes),
                  .word(fromHead ? "LEFT" : "RIGHT"), .word(toHead ? "LEFT" : "RIGHT")])
    }

    /// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: pops from the first
    /// non-empty list; logged as the LPOP/RPOP key count it became.
    /// BLMPOP timeout numkeys …: the same, the options parsed first and then the
    /// timeout (Redis's order); nothing to pop parks the client.
    static func mpop(_ c: CommandContext, _ out: inout ReplyWriter, blocking: Bool = false) {
        guard let (keys, sideIndex, count) = CollectionArguments.multiPop(c, numkeysAt: blocking ? 2 : 1, &out) else { return }
        guard let head = side(c.args, sideIndex) else { out.writeError(ErrorReplies.syntax); return }
        guard let whenEmpty = WhenEmpty.parse(c, blocking: blocking, timeoutAt: 1, &out) else { return }
        switch c.popFirst(keys, as: Elements.self, event: (.list, head ? "lpop" : "rpop"), &out, { popElements(&$0, head: head, count: count) }) {
        case .refused: return
        case .none: whenEmpty.apply(c, keys: keys, &out)
        case .popped(let key, let popped):
            out.writeArrayHeader(2)
            out.writeBulk(key.bytes)
            out.writeArrayHeader(popped.count)
            for element in popped { out.writeBulk(element) }
            c.record([.word(head ? "LPOP" : "RPOP"), .bytes(key.bytes), .integer(Int64(popped.count))])
        }
    }
}
