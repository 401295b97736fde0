import NIOCore
import CairnProtocol
import CairnKeyspace

/// Commands about the connection itself.
enum ConnectionCommands {
    /// The Redis version Cairn's command set and replies follow.
    static let redisCompatibleVersion = "7.0.0"
    /// The same as a number, as Lua's `redis.REDIS_VERSION_NUM` gives it (0x00MMmmpp).
    static let redisCompatibleVersionNumber = 0x07_00_00

    static let specs: [CommandSpec] = [
        CommandSpec("ping", arity: -1, flags: [.fast], group: "connection",
                    summary: "Returns the server's liveliness response.", syntax: "[message]", run: ping),
        CommandSpec("echo", arity: 2, flags: [.fast, .loading, .stale], group: "connection",
                    summary: "Returns the given string.", syntax: "message", run: { c, o in o.writeBulk(c.args[1]) }),
        CommandSpec("quit", arity: -1, flags: [.fast, .loading, .stale, .noscript, .allowBusy, .runsInTransaction, .noAuth], group: "connection",
                    summary: "Closes the connection.", run: quit),
        CommandSpec("select", arity: 2, flags: [.fast, .loading, .stale], group: "connection",
                    summary: "Changes the selected database.", syntax: "index", run: select),
        CommandSpec("hello", arity: -1, flags: [.fast, .loading, .stale, .noscript, .allowBusy, .noAuth], group: "connection", since: "6.0.0",
                    summary: "Handshakes with the Redis server.",
                    syntax: "[protover [AUTH username password] [SETNAME clientname]]", run: hello),
        CommandSpec("monitor", arity: 1, flags: [.admin, .noscript, .loading, .stale], group: "server",
                    summary: "Listens for all requests received by the server in real-time.",
                    run: { c, o in c.engine.startMonitoring(c.client, &o) }),
        CommandSpec("reset", arity: 1, flags: [.fast, .loading, .stale, .noscript, .allowBusy, .runsInTransaction, .noAuth], group: "connection", since: "6.2.0",
                    complexity: "O(1)", summary: "Resets the connection.", run: reset),
        ClientCommand.spec,
    ]

    /// RESET: the connection as if new — no transaction, watches or subscriptions,
    /// database 0, RESP2, replies on, NO-EVICT and NO-TOUCH off (its name stays, as in Redis).
    static func reset(_ c: CommandContext, _ out: inout ReplyWriter) {
        c.client.transaction = nil
        c.engine.unwatchAll(c.client)
        c.engine.unsubscribeAll(c.client)
        c.engine.stopMonitoring(c.client)
        c.client.db = 0
        c.client.protocolVersion = 2
        c.client.replyControl = ReplyControl()
        c.client.noEvict = false
        c.client.noTouch = false
        // Back to the default user: authenticated only if it needs no password (as Redis).
        if c.client.user != nil { c.client.user = c.engine.access.defaultUser }
        c.client.authenticated = Authentication.startsAuthenticated(c.engine)
        out.writeSimpleString("RESET")
    }

    static func ping(_ c: CommandContext, _ out: inout ReplyWriter) {
        if c.client.isInSubscribedContext, c.args.count <= 2 {
            // RESP2 with subscriptions: a two-element array, as Redis answers there.
            out.writeArrayHeader(2)
            out.writeBulk("pong")
            out.writeBulk(c.args.count == 2 ? Array(c.args[1]) : [])
            return
        }
        switch c.args.count {
        case 1: out.writeSimpleString("PONG")
        case 2: out.writeBulk(c.args[1])
        default: out.writeError(ErrorReplies.wrongArity("ping"))
        }
    }

    static func quit(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeOK()
        c.client.state = .closing
    }

    static func select(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let n = c.args.int64(1) else {
            out.writeError(ErrorReplies.notInteger); return
        }
        guard n >= Int64(Int32.min), n <= Int64(Int32.max) else {
            out.writeError(ErrorReplies.outOfInt32Range); return
        }
        guard n >= 0, n < Int64(c.engine.keyspace.databases.count) else {
            out.writeError(ErrorReplies.dbIndexOutOfRange); return
        }
        c.client.db = Int(n)
        out.writeOK()
    }

    /// HELLO: switches the connection to RESP2 or RESP3 and describes the server.
    static func hello(_ c: CommandContext, _ out: inout ReplyWriter) {
        var next = 1
        var version: Int64 = 2
        if c.args.count >= 2 {
            guard let requested = c.args.int64(1) else {
                out.writeError("ERR Protocol version is not an integer or out of range"); return
            }
            guard requested == 2 || requested == 3 else { out.writeError("NOPROTO unsupported protocol version"); return }
            version = requested
            next = 2
        }
        var newName: String? = nil
        var authenticatedAs: ACLUser?
        var j = next
        while j < c.args.count {
            let more = c.args.count - 1 - j
            if c.args.equals(j, lowercase: "auth") && more >= 2 {
                guard let user = Authentication.verify(c, user: c.args.string(j + 1), passwordAt: j + 2) else {
                    out.writeError(Authentication.wrongPassword); return
                }
                authenticatedAs = user
                j += 2
            } else if c.args.equals(j, lowercase: "setname") && more >= 1 {
                newName = c.args.string(j + 1)
                j += 1
            } else {
                out.writeError("ERR Syntax error in HELLO option '\(c.args.string(j))'"); return
            }
            j += 1
        }
        if authenticatedAs == nil && !c.client.authenticated && c.engine.access.defaultUserRequiresAuthentication {
            out.writeError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
            return
        }
        if let authenticatedAs {
            c.client.user = authenticatedAs
            c.client.authenticated = true
        }
        if let newName {
            guard ClientCommand.isValidName(newName) else { out.writeError(ClientCommand.invalidNameError); return }
            c.client.name = newName
        }
        c.client.protocolVersion = Int(version)
        out.resp3 = version == 3
        out.writeMapHeader(7)
        out.writeBulk("server"); out.writeBulk("redis")
        out.writeBulk("version"); out.writeBulk(redisCompatibleVersion)
        out.writeBulk("proto"); out.writeIntegerReply(version)
        out.writeBulk("id"); out.writeIntegerReply(c.client.id)
        out.writeBulk("mode"); out.writeBulk("standalone")
        out.writeBulk("role"); out.writeBulk("master")
        out.writeBulk("modules"); out.writeArrayHeader(0)
    }
}
