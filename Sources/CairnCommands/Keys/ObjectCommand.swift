import NIOCore
import CairnProtocol
import CairnKeyspace
import OrderedCollections

/// OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ / HELP: what Redis 7.0 would say about
/// how a value is stored. Encodings follow Redis's thresholds (the `*-max-listpack-*` and
/// `set-max-intset-entries` settings); see `encoding(of:)` for where Cairn's answer is
/// worked out from the contents rather than remembered.
enum ObjectCommand {
    static let spec = CommandSpec(
        "object", arity: -2, flags: [], group: "generic", since: "2.2.3", complexity: "Depends on subcommand.",
        summary: "A container for object introspection commands.",
        subcommands: [
            CommandSpec("object|encoding", arity: 3, flags: [.readonly], keys: (2, 2, 1), group: "generic", since: "2.2.3",
                        summary: "Returns the internal encoding of a Redis object.", syntax: "key", run: encoding),
            CommandSpec("object|refcount", arity: 3, flags: [.readonly], keys: (2, 2, 1), group: "generic", since: "2.2.3",
                        summary: "Returns the reference count of a value of a key.", syntax: "key", run: refcount),
            CommandSpec("object|idletime", arity: 3, flags: [.readonly], keys: (2, 2, 1), group: "generic", since: "2.2.3",
                        summary: "Returns the time since the last access to a Redis object.", syntax: "key", run: idletime),
            CommandSpec("object|freq", arity: 3, flags: [.readonly], keys: (2, 2, 1), group: "generic", since: "4.0.0",
                        summary: "Returns the logarithmic access frequency counter of a Redis object.", syntax: "key", run: freq),
            CommandSpec("object|help", arity: 2, flags: [.loading, .stale], group: "generic", since: "6.2.0",
                        summary: "Returns helpful text about the different subcommands.", run: help),
        ],
        run: { _, _ in })

    /// Redis shares one object for the integers 0…9999 (`OBJ_SHARED_INTEGERS`) and
    /// reports its reference count as INT_MAX.
    static let sharedIntegers: ClosedRange<Int64> = 0...9999
    /// Strings up to this length are `embstr` (allocated with their header) in Redis.
    static let embeddedStringLimit = 44

    static func encoding(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let entry = c.lookupRead(c.key(2), touch: false, notifyMiss: false) else { out.writeNull(); return }
        out.writeBulk(encoding(of: entry.value, c))
    }

    /// Redis 7.0's name for how it would hold `value`. Sorted sets and sets carry their
    /// encoding (converted one way, as Redis converts); strings and hashes have no room
    /// for it and are judged by their contents, so two cases differ from Redis: a short
    /// string grown by APPEND/SETRANGE (Redis: `raw`), and a hash that outgrew the
    /// thresholds and then shrank below them (Redis: still `hashtable`). O(1), O(n) for
    /// a hash.
    static func encoding(of value: Value, _ c: CommandContext) -> String {
        switch value {
        case .string(let s):
            if s.canonicalInt64 != nil { return "int" }
            return s.count <= embeddedStringLimit ? "embstr" : "raw"
        case .hash(let fields):
            let limit = c.engine.settings.hashMaxListpackValue
            let compact = fields.count <= c.engine.settings.hashMaxListpackEntries
                && fields.elements.allSatisfy { $0.key.count <= limit && $0.value.count <= limit }
            return compact ? "listpack" : "hashtable"
        case .list:
            return "quicklist"
        case .set(let members):
            return members.encoding == .intset ? "intset" : "hashtable"
        case .zset(let z):
            return z.isCompact ? "listpack" : "skiplist"
        case .stream:
            return "stream"
        }
    }

    static func refcount(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let entry = c.lookupRead(c.key(2), touch: false, notifyMiss: false) else { out.writeNull(); return }
        if case .string(let s) = entry.value, let n = s.canonicalInt64, sharedIntegers.contains(n) {
            out.writeIntegerReply(Int64(Int32.max))
        } else {
            out.writeIntegerReply(1)
        }
    }

    /// Seconds since the key was last read or written (see `Database.idleSeconds`); not
    /// tracked under an LFU policy, as in Redis.
    static func idletime(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.lookupRead(c.key(2), touch: false, notifyMiss: false) != nil else { out.writeNull(); return }
        if c.engine.settings.maxmemoryPolicy.usesLFU {
            out.writeError("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
            return
        }
        guard let idle = c.engine.keyspace.databases[c.db].idleSeconds(c.key(2), now: c.now) else { out.writeNull(); return }
        out.writeIntegerReply(idle)
    }

    /// The key's LFU counter after decay; frequencies are tracked only under an LFU
    /// maxmemory policy (Redis's answer otherwise).
    static func freq(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.lookupRead(c.key(2), touch: false, notifyMiss: false) != nil else { out.writeNull(); return }
        if c.engine.settings.maxmemoryPolicy.usesLFU, let frequency = c.engine.keyspace.databases[c.db].frequency(c.key(2), now: c.now) {
            out.writeIntegerReply(Int64(frequency))
            return
        }
        out.writeError("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
    }

    static func help(_ c: CommandContext, _ out: inout ReplyWriter) {
        let lines = [
            "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
            "HELP",
            "    Prints this help.",
        ]
        out.writeHelp(lines)
    }
}
