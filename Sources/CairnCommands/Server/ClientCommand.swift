import CairnConfig
import NIOCore
import CairnProtocol

/// CLIENT ID / SETNAME / GETNAME / LIST / INFO / KILL / REPLY / HELP.
enum ClientCommand {
    static let invalidNameError = "ERR Client names cannot contain spaces, newlines or special characters."

    static let spec = CommandSpec(
        "client", arity: -2, flags: [], group: "connection", since: "2.4.0", complexity: "Depends on subcommand.",
        summary: "A container for client connection commands.",
        subcommands: [
            CommandSpec("client|id", arity: 2, flags: [.noscript, .loading, .stale], group: "connection", since: "5.0.0",
                        summary: "Returns the unique client ID of the connection.", run: { c, o in o.writeIntegerReply(c.client.id) }),
            CommandSpec("client|setname", arity: 3, flags: [.noscript, .loading, .stale], group: "connection", since: "2.6.9",
                        summary: "Sets the connection name.", syntax: "connection-name", run: setName),
            CommandSpec("client|getname", arity: 2, flags: [.noscript, .loading, .stale], group: "connection", since: "2.6.9",
                        summary: "Returns the name of the connection.", run: getName),
            CommandSpec("client|list", arity: -2, flags: [.admin, .noscript, .loading, .stale], group: "connection", since: "2.4.0",
                        complexity: "O(N) where N is the number of client connections",
                        summary: "Lists open connections.", syntax: "[TYPE NORMAL | MASTER | REPLICA | PUBSUB] [ID client-id [client-id ...]]", run: list),
            CommandSpec("client|info", arity: 2, flags: [.noscript, .loading, .stale], group: "connection", since: "6.2.0",
                        summary: "Returns information about the connection.", run: { c, o in o.writeVerbatim(describe(c.client, now: c.now)) }),
            CommandSpec("client|kill", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "connection", since: "2.4.0",
                        complexity: "O(N) where N is the number of client connections",
                        summary: "Kill the connection of a client",
                        syntax: "ip:port | [ID client-id] [TYPE NORMAL | MASTER | SLAVE | REPLICA | PUBSUB] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME YES | NO]",
                        run: kill),
            CommandSpec("client|reply", arity: 3, flags: [.noscript, .loading, .stale], group: "connection", since: "3.2.0",
                        summary: "Instruct the server whether to reply to commands", syntax: "ON | OFF | SKIP", run: reply),
            CommandSpec("client|unblock", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "connection", since: "5.0.0",
                        complexity: "O(log N) where N is the number of client connections",
                        summary: "Unblocks a client blocked by a blocking command from a different connection.",
                        syntax: "client-id [TIMEOUT | ERROR]", run: unblock),
            CommandSpec("client|pause", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "connection", since: "3.0.0",
                        complexity: "O(1)", summary: "Suspends commands processing.", syntax: "timeout [WRITE | ALL]", run: pause),
            CommandSpec("client|unpause", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "connection", since: "6.2.0",
                        complexity: "O(N) Where N is the number of paused clients", summary: "Resumes processing of clients that were paused.",
                        run: { c, o in c.engine.releasePausedClients(now: c.now); o.writeOK() }),
            CommandSpec("client|no-evict", arity: 3, flags: [.admin, .noscript, .loading, .stale], group: "connection", since: "7.0.0",
                        complexity: "O(1)", summary: "Sets the client eviction mode of the connection.", syntax: "ON | OFF",
                        run: { c, o in onOff(c, &o) { c.client.noEvict = $0 } }),
            CommandSpec("client|no-touch", arity: 3, flags: [.noscript, .loading, .stale], group: "connection", since: "7.2.0",
                        complexity: "O(1)", summary: "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
                        syntax: "ON | OFF", run: { c, o in onOff(c, &o) { c.client.noTouch = $0 } }),
            CommandSpec("client|help", arity: 2, flags: [.loading, .stale], group: "connection", since: "5.0.0",
                        summary: "Returns helpful text about the different subcommands.", run: help),
        ],
        run: { _, _ in })

    /// Redis accepts names made of the printable ASCII characters '!' to '~'.
    static func isValidName(_ name: String) -> Bool {
        name.utf8.allSatisfy { $0 >= 33 && $0 <= 126 }
    }

    static func setName(_ c: CommandContext, _ out: inout ReplyWriter) {
        let name = c.args.string(2)
        guard isValidName(name) else { out.writeError(invalidNameError); return }
        c.client.name = name
        out.writeOK()
    }

    static func getName(_ c: CommandContext, _ out: inout ReplyWriter) {
        if c.client.name.isEmpty { out.writeNull() } else { out.writeBulk(c.client.name) }
    }

    /// What a TYPE argument of CLIENT LIST or KILL selects.
    enum TypeFilter {
        case only(ClientClass)
        /// `master`: Cairn replicates from nobody.
        case nobody

        func matches(_ client: ClientSession) -> Bool {
            if case .only(let kind) = self { return client.clientClass == kind }
            return false
        }

        /// Parses a TYPE argument, or replies that Redis knows no such type and returns nil.
        static func parse(_ name: String, _ out: inout ReplyWriter) -> TypeFilter? {
            if name.lowercased() == "master" { return .nobody }
            guard let kind = ClientClass(configName: name) else {
                out.writeError("ERR Unknown client type '\(name)'"); return nil
            }
            return .only(kind)
        }
    }

    static func list(_ c: CommandContext, _ out: inout ReplyWriter) {
        var clients = c.engine.clients.values.sorted { $0.id < $1.id }
        var i = 2
        while i < c.args.count {
            if c.args.equals(i, lowercase: "type") && i + 1 < c.args.count {
                guard let type = TypeFilter.parse(c.args.string(i + 1), &out) else { return }
                clients = clients.filter(type.matches)
                i += 2
            } else if c.args.equals(i, lowercase: "id") && i + 1 < c.args.count {
                var ids = Set<Int64>()
                for j in (i + 1)..<c.args.count {
                    guard let id = c.args.int64(j), id > 0 else { out.writeError("ERR Invalid client ID"); return }
                    ids.insert(id)
                }
                clients = clients.filter { ids.contains($0.id) }
                i = c.args.count
            } else {
                out.writeError(ErrorReplies.syntax); return
            }
        }
        out.writeVerbatim(clients.map { describe($0, now: c.now) }.joined())
    }

    /// Which clients CLIENT KILL closes; every filter given must match.
    struct KillFilter {
        var address: String?
        var localAddress: String?
        var id: Int64?
        var type: TypeFilter?
        var user: ACLUser?
        var skipMe = true

        func matches(_ client: ClientSession, caller: ClientSession) -> Bool {
            if let address, client.address != address { return false }
            if let localAddress, client.localAddress != localAddress { return false }
            if let id, client.id != id { return false }
            if let type, !type.matches(client) { return false }
            if let user, client.user !== user { return false }
            return !(skipMe && client === caller)
        }
    }

    /// CLIENT KILL ip:port (old form: +OK or an error, may kill the caller) or
    /// CLIENT KILL <filter> <value> ... (the number killed; skips the caller unless
    /// SKIPME no). Redis 7.0's parsing and replies. O(clients).
    static func kill(_ c: CommandContext, _ out: inout ReplyWriter) {
        var filter = KillFilter()
        let oldForm = c.args.count == 3
        if oldForm {
            filter.address = c.args.string(2)
            filter.skipMe = false
        } else {
            var i = 2
            while i < c.args.count {
                guard i + 1 < c.args.count else { out.writeError(ErrorReplies.syntax); return }
                let value = c.args.string(i + 1)
                if c.args.equals(i, lowercase: "id") {
                    guard let id = c.args.int64(i + 1), id >= 1 else {
                        out.writeError("ERR client-id should be greater than 0"); return
                    }
                    filter.id = id
                } else if c.args.equals(i, lowercase: "type") {
                    guard let type = TypeFilter.parse(value, &out) else { return }
                    filter.type = type
                } else if c.args.equals(i, lowercase: "addr") {
                    filter.address = value
                } else if c.args.equals(i, lowercase: "laddr") {
                    filter.localAddress = value
                } else if c.args.equals(i, lowercase: "user") {
                    guard let user = c.engine.access.user(named: value) else { out.writeError("ERR No such user '\(value)'"); return }
                    filter.user = user
                } else if c.args.equals(i, lowercase: "skipme") {
                    switch value.lowercased() {
                    case "yes": filter.skipMe = true
                    case "no": filter.skipMe = false
                    default: out.writeError(ErrorReplies.syntax); return
                    }
                } else {
                    out.writeError(ErrorReplies.syntax); return
                }
                i += 2
            }
        }
        var others: [Int64] = []
        var killsCaller = false
        for client in c.engine.clients.values where filter.matches(client, caller: c.client) {
            if client === c.client { killsCaller = true } else { others.append(client.id) }
        }
        let killed = others.count + (killsCaller ? 1 : 0)
        if oldForm {
            if killed == 0 { out.writeError("ERR No such client") } else { out.writeOK() }
        } else {
            out.writeIntegerReply(Int64(killed))
        }
        if !others.isEmpty { c.engine.hooks?.killClients(others) }
        if killsCaller { c.client.state = .closing }
    }

    /// CLIENT REPLY ON (+OK) / OFF / SKIP (no reply); SKIP does nothing while OFF.
    static func reply(_ c: CommandContext, _ out: inout ReplyWriter) {
        if c.args.equals(2, lowercase: "on") {
            c.client.replyControl.remove([.off, .skip])
            out.writeOK()
        } else if c.args.equals(2, lowercase: "off") {
            c.client.replyControl.insert(.off)
        } else if c.args.equals(2, lowercase: "skip") {
            if !c.client.replyControl.contains(.off) { c.client.replyControl.insert(.skipNext) }
        } else {
            out.writeError(ErrorReplies.syntax)
        }
    }

    /// One CLIENT LIST line in Redis's field order.
    /// CLIENT LIST's flags: b blocked, P subscribed, x in MULTI, N none.
    static func flags(_ s: ClientSession) -> String {
        var f = ""
        if s.state.isBlocked { f += "b" }
        if case .monitoring = s.state { f += "O" }
        if s.subscriptions.total > 0 { f += "P" }
        if s.transaction != nil { f += "x" }
        if s.noEvict { f += "e" }
        if s.noTouch { f += "T" }
        return f.isEmpty ? "N" : f
    }

    static func describe(_ s: ClientSession, now: Int64) -> String {
        let age = (now - s.createdAt) / 1000
        let idle = (now - s.lastInteraction) / 1000
        let outlet = s.outlet
        return "id=\(s.id) addr=\(s.address) laddr=\(s.localAddress) fd=\(outlet?.descriptor ?? -1) name=\(s.name) age=\(age) idle=\(idle) "
            + "flags=\(flags(s)) db=\(s.db) sub=\(s.subscriptions[.channel].count) psub=\(s.subscriptions[.pattern].count) ssub=\(s.subscriptions[.shardChannel].count) multi=\(s.transaction?.count ?? -1) qbuf=\(s.queryBufferLength) qbuf-free=0 argv-mem=0 "
            + "multi-mem=0 obl=0 oll=0 omem=\(outlet?.queuedReplyBytes ?? 0) tot-mem=0 events=r cmd=\(s.lastCommand?.name ?? "NULL") user=\(s.user?.name ?? "default") redir=-1 resp=\(s.protocolVersion)\n"
    }

    /// CLIENT PAUSE timeout [WRITE|ALL]: timeout in milliseconds, as Redis reads it.
    static func pause(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let ms = c.args.int64(2) else { out.writeError("ERR timeout is not an integer or out of range"); return }
        guard ms >= 0 else { out.writeError("ERR timeout is negative"); return }
        var mode = ClientPause.Mode.all
        if c.args.count == 4 {
            if c.args.equals(3, lowercase: "write") { mode = .write }
            else if !c.args.equals(3, lowercase: "all") { out.writeError("ERR CLIENT PAUSE mode must be WRITE or ALL"); return }
        } else if c.args.count > 4 {
            out.writeError(ErrorReplies.syntax); return
        }
        let (until, overflow) = c.now.addingReportingOverflow(ms)
        c.engine.pauseClients(mode, until: overflow ? .max : until)
        out.writeOK()
    }

    /// ON or OFF at argument 2, handed to `set`; Redis's syntax error otherwise.
    static func onOff(_ c: CommandContext, _ out: inout ReplyWriter, _ set: (Bool) -> Void) {
        if c.args.equals(2, lowercase: "on") { set(true) }
        else if c.args.equals(2, lowercase: "off") { set(false) }
        else { out.writeError(ErrorReplies.syntax); return }
        out.writeOK()
    }

    /// CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if the client was parked (it then gets its
    /// timeout reply, or `-UNBLOCKED`), else 0.
    static func unblock(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let id = c.args.int64(2) else { out.writeError(ErrorReplies.notInteger); return }
        var asError = false
        if c.args.count == 4 {
            if c.args.equals(3, lowercase: "error") { asError = true }
            else if !c.args.equals(3, lowercase: "timeout") {
                out.writeError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"); return
            }
        } else if c.args.count > 4 {
            out.writeError(ErrorReplies.syntax); return
        }
        out.writeIntegerReply(c.engine.unblockClient(id, asError: asError) ? 1 : 0)
    }

    static func help(_ c: CommandContext, _ out: inout ReplyWriter) {
        let lines = [
            "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GETNAME", "    Return the name of the current connection.",
            "ID", "    Return the ID of the current connection.",
            "INFO", "    Return information about the current client connection.",
            "KILL <ip:port>", "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
            "    * USER <username>", "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
            "LIST [options ...]", "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Return clients of specified type.",
            "    * ID <client-id> [<client-id> ...]", "      Return clients of specified IDs only.",
            "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
            "SETNAME <name>", "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
            "NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
            "PAUSE <timeout> [WRITE|ALL]", "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "UNPAUSE", "    Stop the current client pause, resuming traffic.",
            "NO-TOUCH (ON|OFF)", "    Will not touch LRU/LFU stats when this mode is on.",
            "HELP", "    Print this help.",
        ]
        out.writeHelp(lines)
    }
}
