import CairnProtocol
import CairnConfig
import CairnKeyspace
import DequeModule

/// BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP: their plain forms, and
/// when there is nothing to pop, the client is parked (Engine+Blocking) — or answered its
/// timeout reply at once inside a transaction. A served pop is logged as the plain pop
/// it became, so the log never holds a blocking command.
enum BlockingCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("blpop", arity: -3, flags: [.write, .noscript, .blocking], keys: (1, -2, 1), group: "list",
                    complexity: "O(N) where N is the number of provided keys.",
                    summary: "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
                    syntax: "key [key ...] timeout", run: { c, o in pop(c, &o, head: true) }),
        CommandSpec("brpop", arity: -3, flags: [.write, .noscript, .blocking], keys: (1, -2, 1), group: "list",
                    complexity: "O(N) where N is the number of provided keys.",
                    summary: "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
                    syntax: "key [key ...] timeout", run: { c, o in pop(c, &o, head: false) }),
        CommandSpec("blmove", arity: 6, flags: [.write, .denyOOM, .noscript, .blocking], keys: (1, 2, 1), group: "list", since: "6.2.0",
                    complexity: "O(1)",
                    summary: "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.",
                    syntax: "source destination LEFT|RIGHT LEFT|RIGHT timeout", run: blmove),
        CommandSpec("brpoplpush", arity: 4, flags: [.write, .denyOOM, .noscript, .blocking], keys: (1, 2, 1), group: "list", since: "2.2.0",
                    complexity: "O(1)",
                    summary: "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.",
                    syntax: "source destination timeout", run: brpoplpush),
        CommandSpec("blmpop", arity: -5, flags: [.write, .blocking], keys: (0, 0, 0), group: "list", since: "7.0.0",
                    complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
                    summary: "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
                    syntax: "timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]", run: { c, o in ListCommands.mpop(c, &o, blocking: true) }),
        CommandSpec("bzpopmin", arity: -3, flags: [.write, .noscript, .fast, .blocking], keys: (1, -2, 1), group: "sorted_set", since: "5.0.0",
                    complexity: "O(log(N)) with N being the number of elements in the sorted set.",
                    summary: "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
                    syntax: "key [key ...] timeout", run: { c, o in zpop(c, &o, max: false) }),
        CommandSpec("bzpopmax", arity: -3, flags: [.write, .noscript, .fast, .blocking], keys: (1, -2, 1), group: "sorted_set", since: "5.0.0",
                    complexity: "O(log(N)) with N being the number of elements in the sorted set.",
                    summary: "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.",
                    syntax: "key [key ...] timeout", run: { c, o in zpop(c, &o, max: true) }),
        CommandSpec("bzmpop", arity: -5, flags: [.write, .blocking], keys: (0, 0, 0), group: "sorted_set", since: "7.0.0",
                    complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
                    summary: "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
                    syntax: "timeout numkeys key [key ...] MIN|MAX [COUNT count]", run: { c, o in SortedSetCommands.multiPop(c, &o, blocking: true) }),
    ]

    /// BLPOP/BRPOP key [key ...] timeout: [key, element] from the first non-empty list,
    /// logged as LPOP/RPOP key. O(keys).
    static func pop(_ c: CommandContext, _ out: inout ReplyWriter, head: Bool) {
        guard let whenEmpty = WhenEmpty.parse(c, blocking: true, timeoutAt: c.args.count - 1, &out) else { return }
        let keys = 1..<(c.args.count - 1)
        switch c.popFirst(keys, as: Deque<ByteString>.self, event: (.list, head ? "lpop" : "rpop"), &out, { ListCommands.popElements(&$0, head: head, count: 1) }) {
        case .refused: return
        case .none: whenEmpty.apply(c, keys: keys, &out)
        case .popped(let key, let popped):
            out.writeArrayHeader(2)
            out.writeBulk(key.bytes)
            out.writeBulk(popped[0])
            c.record([.word(head ? "LPOP" : "RPOP"), .bytes(key.bytes)])
        }
    }

    /// BZPOPMIN/BZPOPMAX key [key ...] timeout: [key, member, score] from the first
    /// non-empty sorted set, logged as ZPOPMIN/ZPOPMAX key. O(keys + log n).
    static func zpop(_ c: CommandContext, _ out: inout ReplyWriter, max: Bool) {
        guard let whenEmpty = WhenEmpty.parse(c, blocking: true, timeoutAt: c.args.count - 1, &out) else { return }
        let keys = 1..<(c.args.count - 1)
        switch c.popFirst(keys, as: SortedSet.self, event: (.zset, max ? "zpopmax" : "zpopmin"), &out, { SortedSetCommands.popEntries(&$0, max: max, count: 1) }) {
        case .refused: return
        case .none: whenEmpty.apply(c, keys: keys, &out)
        case .popped(let key, let popped):
            out.writeArrayHeader(3)
            out.writeBulk(key.bytes)
            out.writeBulk(popped[0].member)
            out.writeDouble(Score.format(popped[0].score))
            c.record([.word(max ? "ZPOPMAX" : "ZPOPMIN"), .bytes(key.bytes)])
        }
    }

    /// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout. O(1).
    static func blmove(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let from = ListCommands.side(c.args, 3), let to = ListCommands.side(c.args, 4) else {
            out.writeError(ErrorReplies.syntax); return
        }
        guard let deadline = BlockingTimeout.deadline(c, argument: 5, &out) else { return }
        ListCommands.move(c, &out, fromHead: from, toHead: to, blockUntil: deadline)
    }

    /// BRPOPLPUSH source destination timeout: BLMOVE … RIGHT LEFT. O(1).
    static func brpoplpush(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let deadline = BlockingTimeout.deadline(c, argument: 3, &out) else { return }
        ListCommands.move(c, &out, fromHead: false, toHead: true, blockUntil: deadline)
    }
}
