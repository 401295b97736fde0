import NIOCore
import CairnConfig
import CairnProtocol
import CairnKeyspace

/// Time to live: setting, reading and removing key expiry.
enum ExpireCommands {
    static let specs: [CommandSpec] = [
        expireSpec("expire", unit: .seconds, relative: true, since: "1.0.0", summary: "Sets the expiration time of a key in seconds.", arg: "seconds"),
        expireSpec("pexpire", unit: .milliseconds, relative: true, since: "2.6.0", summary: "Sets the expiration time of a key in milliseconds.", arg: "milliseconds"),
        expireSpec("expireat", unit: .seconds, relative: false, since: "1.2.0", summary: "Sets the expiration time of a key to a Unix timestamp.", arg: "unix-time-seconds"),
        expireSpec("pexpireat", unit: .milliseconds, relative: false, since: "2.6.0", summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.", arg: "unix-time-milliseconds"),
        ttlSpec("ttl", milliseconds: false, absolute: false, since: "1.0.0", summary: "Returns the expiration time in seconds of a key."),
        ttlSpec("pttl", milliseconds: true, absolute: false, since: "2.6.0", summary: "Returns the expiration time in milliseconds of a key."),
        ttlSpec("expiretime", milliseconds: false, absolute: true, since: "7.0.0", summary: "Returns the expiration time of a key as a Unix timestamp."),
        ttlSpec("pexpiretime", milliseconds: true, absolute: true, since: "7.0.0", summary: "Returns the expiration time of a key as a Unix milliseconds timestamp."),
        CommandSpec("persist", arity: 2, flags: [.write, .fast], keys: (1, 1, 1), group: "generic", since: "2.2.0",
                    summary: "Removes the expiration time of a key.", syntax: "key", run: persist),
    ]

    static func expireSpec(_ name: String, unit: ExpireUnit, relative: Bool, since: String, summary: String, arg: String) -> CommandSpec {
        CommandSpec(name, arity: -3, flags: [.write, .fast], keys: (1, 1, 1), group: "generic", since: since,
                    summary: summary, syntax: "key \(arg) [NX | XX | GT | LT]",
                    run: { c, o in expire(c, &o, name: name, unit: unit, relative: relative) })
    }

    static func ttlSpec(_ name: String, milliseconds: Bool, absolute: Bool, since: String, summary: String) -> CommandSpec {
        CommandSpec(name, arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), group: "generic", since: since,
                    summary: summary, syntax: "key",
                    run: { c, o in ttl(c, &o, milliseconds: milliseconds, absolute: absolute) })
    }

    /// Redis's `expireGenericCommand`, including the NX/XX/GT/LT rules. The effect is
    /// logged as `PEXPIREAT key <absolute ms>`, or `DEL key` when the time is already past.
    static func expire(_ c: CommandContext, _ out: inout ReplyWriter, name: String, unit: ExpireUnit, relative: Bool) {
        var nx = false, xx = false, gt = false, lt = false
        for i in 3..<c.args.count {
            if c.args.equals(i, lowercase: "nx") { nx = true }
            else if c.args.equals(i, lowercase: "xx") { xx = true }
            else if c.args.equals(i, lowercase: "gt") { gt = true }
            else if c.args.equals(i, lowercase: "lt") { lt = true }
            else { out.writeError("ERR Unsupported option \(c.args.string(i))"); return }
        }
        if nx && (xx || gt || lt) {
            out.writeError("ERR NX and XX, GT or LT options at the same time are not compatible"); return
        }
        if gt && lt { out.writeError("ERR GT and LT options at the same time are not compatible"); return }
        guard var when = c.args.int64(2) else { out.writeError(ErrorReplies.notInteger); return }
        if unit == .seconds {
            guard when <= Int64.max / 1000 && when >= Int64.min / 1000 else {
                out.writeError(ErrorReplies.invalidExpireTime(name)); return
            }
            when *= 1000
        }
        let base: Int64 = relative ? c.now : 0
        guard when <= Int64.max - base else { out.writeError(ErrorReplies.invalidExpireTime(name)); return }
        when += base
        let key = c.key(1)
        guard let entry = c.lookupWrite(key) else { out.writeIntegerReply(0); return }
        let current = entry.isVolatile ? entry.expireAt : -1
        if nx && current != -1 { out.writeIntegerReply(0); return }
        if xx && current == -1 { out.writeIntegerReply(0); return }
        if gt && (when <= current || current == -1) { out.writeIntegerReply(0); return }
        if lt && current != -1 && when >= current { out.writeIntegerReply(0); return }
        if when <= c.now {
            c.engine.keyspace.databases[c.db].remove(key)
            out.writeIntegerReply(1)
            c.notify(.generic, "del", key)
            c.record([.word("DEL"), .bytes(key.bytes)])
        } else {
            c.engine.keyspace.databases[c.db].setExpiry(key, at: when)
            out.writeIntegerReply(1)
            c.notify(.generic, "expire", key)
            c.record([.word("PEXPIREAT"), .bytes(key.bytes), .integer(when)])
        }
    }

    static func ttl(_ c: CommandContext, _ out: inout ReplyWriter, milliseconds: Bool, absolute: Bool) {
        guard let entry = c.lookupRead(c.key(1), touch: false) else { out.writeIntegerReply(-2); return }
        guard entry.isVolatile else { out.writeIntegerReply(-1); return }
        var value = absolute ? entry.expireAt : entry.expireAt - c.now
        if value < 0 { value = 0 }
        // Rounded to the nearest second without adding (an expiry may be Int64.max).
        out.writeIntegerReply(milliseconds ? value : value / 1000 + (value % 1000 >= 500 ? 1 : 0))
    }

    static func persist(_ c: CommandContext, _ out: inout ReplyWriter) {
        let key = c.key(1)
        guard let entry = c.lookupWrite(key), entry.isVolatile else { out.writeIntegerReply(0); return }
        c.engine.keyspace.databases[c.db].setExpiry(key, at: 0)
        out.writeIntegerReply(1)
        c.notify(.generic, "persist", key)
        c.recordVerbatim()
    }
}
