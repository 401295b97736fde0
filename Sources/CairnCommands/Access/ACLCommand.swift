import CairnProtocol

/// ACL and its subcommands (Redis 7.0's replies and errors): users are created and
/// changed with SETUSER, inspected with GETUSER/LIST/USERS/WHOAMI, checked with DRYRUN,
/// audited with LOG, and kept in the ACL file with SAVE/LOAD.
enum ACLCommand {
    private static let admin: CommandFlags = [.admin, .noscript, .loading, .stale]
    private static let plain: CommandFlags = [.noscript, .loading, .stale]

    static let specs: [CommandSpec] = [
        CommandSpec(
            "acl", arity: -2, flags: [], group: "server", since: "6.0.0", complexity: "Depends on subcommand.",
            summary: "A container for Access List Control commands.",
            subcommands: [
                CommandSpec("acl|cat", arity: -2, flags: plain, group: "server", since: "6.0.0",
                            complexity: "O(1) since the categories and commands are a fixed set.",
                            summary: "Lists the ACL categories, or the commands inside a category.", syntax: "[category]", run: cat),
                CommandSpec("acl|deluser", arity: -3, flags: admin, group: "server", since: "6.0.0",
                            complexity: "O(1) amortized time considering the typical user.",
                            summary: "Deletes ACL users, and terminates their connections.", syntax: "username [username ...]", run: deleteUsers),
                CommandSpec("acl|dryrun", arity: -4, flags: admin, group: "server", since: "7.0.0", complexity: "O(1).",
                            summary: "Simulates the execution of a command by a user, without executing the command.",
                            syntax: "username command [arg [arg ...]]", run: dryRun),
                CommandSpec("acl|genpass", arity: -2, flags: plain, group: "server", since: "6.0.0",
                            summary: "Generates a pseudorandom, secure password that can be used to identify ACL users.",
                            syntax: "[bits]", run: generatePassword),
                CommandSpec("acl|getuser", arity: 3, flags: admin, group: "server", since: "6.0.0",
                            complexity: "O(N). Where N is the number of password, command and pattern rules that the user has.",
                            summary: "Lists the ACL rules of a user.", syntax: "username", run: getUser),
                CommandSpec("acl|help", arity: 2, flags: [.loading, .stale], group: "server", since: "6.0.0",
                            summary: "Returns helpful text about the different subcommands.", run: help),
                CommandSpec("acl|list", arity: 2, flags: admin, group: "server", since: "6.0.0",
                            complexity: "O(N). Where N is the number of configured users.",
                            summary: "Dumps the effective rules in ACL file format.", run: list),
                CommandSpec("acl|load", arity: 2, flags: admin, group: "server", since: "6.0.0",
                            complexity: "O(N). Where N is the number of configured users.",
                            summary: "Reloads the rules from the configured ACL file.", run: load),
                CommandSpec("acl|log", arity: -2, flags: admin, group: "server", since: "6.0.0",
                            complexity: "O(N) with N being the number of entries shown.",
                            summary: "Lists recent security events generated due to commands rejected by ACL rules.",
                            syntax: "[count | RESET]", run: log),
                CommandSpec("acl|save", arity: 2, flags: admin, group: "server", since: "6.0.0",
                            complexity: "O(N). Where N is the number of configured users.",
                            summary: "Saves the effective ACL rules in the configured ACL file.", run: save),
                CommandSpec("acl|setuser", arity: -3, flags: admin, group: "server", since: "6.0.0",
                            complexity: "O(N). Where N is the number of rules provided.",
                            summary: "Creates and modifies an ACL user and its rules.", syntax: "username [rule [rule ...]]", run: setUser),
                CommandSpec("acl|users", arity: 2, flags: admin, group: "server", since: "6.0.0",
                            complexity: "O(N). Where N is the number of configured users.",
                            summary: "Lists all ACL users.", run: users),
                CommandSpec("acl|whoami", arity: 2, flags: plain, group: "server", since: "6.0.0",
                            summary: "Returns the authenticated username of the current connection.", run: whoami),
            ],
            run: { _, _ in })
    ]

    static func wrongArguments(_ sub: String) -> String {
        "ERR unknown subcommand or wrong number of arguments for '\(sub)'. Try ACL HELP."
    }

    static let noACLFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

    /// ACL SETUSER name rule…: every rule valid, or none applied.
    static func setUser(_ c: CommandContext, _ out: inout ReplyWriter) {
        let name = c.args.string(2)
        guard !name.utf8.contains(where: { $0 == 0x20 || $0 == 0 }) else {
            out.writeError("ERR Usernames can't contain spaces or null characters")
            return
        }
        let rules = (3..<c.args.count).map { c.args.bytes($0) }
        if let failure = c.engine.access.setUser(name, rules: rules, table: c.engine.table) {
            out.writeError("ERR Error in ACL SETUSER modifier '\(String(decoding: failure.rule, as: UTF8.self))': \(failure.error.text)")
            return
        }
        if let user = c.engine.access.user(named: name) {
            c.engine.disconnectSubscribersNoLongerAllowed(user, caller: c.client)
        }
        out.writeOK()
    }

    /// ACL GETUSER name: flags, passwords, commands, keys, channels, selectors (none in Cairn).
    static func getUser(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let user = c.engine.access.user(named: c.args.string(2)) else { out.writeNull(); return }
        let rules = user.rules
        out.writeMapHeader(6)
        out.writeBulk("flags")
        let flags = rules.flagNames
        out.writeSetHeader(flags.count)
        for flag in flags { out.writeBulk(flag) }
        out.writeBulk("passwords")
        out.writeArrayHeader(rules.passwords.count)
        for password in rules.passwords { out.writeBulk(password) }
        out.writeBulk("commands")
        out.writeBulk(rules.commands.description(in: c.engine.table))
        out.writeBulk("keys")
        out.writeBulk(rules.keysDescription)
        out.writeBulk("channels")
        out.writeBulk(rules.channelsDescription)
        out.writeBulk("selectors")
        out.writeArrayHeader(0)
    }

    static func deleteUsers(_ c: CommandContext, _ out: inout ReplyWriter) {
        let names = (2..<c.args.count).map { c.args.string($0) }
        if names.contains("default") { out.writeError("ERR The 'default' user cannot be removed"); return }
        var removed: [ACLUser] = []
        for name in names {
            if let user = c.engine.access.deleteUser(name) { removed.append(user) }
        }
        c.engine.disconnectClients(of: removed, caller: c.client)
        out.writeIntegerReply(Int64(removed.count))
    }

    static func list(_ c: CommandContext, _ out: inout ReplyWriter) {
        let lines = fileLines(c.engine)
        out.writeArrayHeader(lines.count)
        for line in lines { out.writeBulk(line) }
    }

    /// `user <name> <rules>` for every user in name order: ACL LIST and the ACL file.
    static func fileLines(_ engine: Engine) -> [String] {
        engine.access.sortedNames.compactMap { name in
            engine.access.user(named: name).map { "user \(name) " + $0.rules.description(in: engine.table) }
        }
    }

    static func users(_ c: CommandContext, _ out: inout ReplyWriter) {
        let names = c.engine.access.sortedNames
        out.writeArrayHeader(names.count)
        for name in names { out.writeBulk(name) }
    }

    static func whoami(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeBulk(c.client.user?.name ?? "default")
    }

    static func cat(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count <= 3 else { out.writeError(wrongArguments("CAT")); return }
        guard c.args.count == 3 else {
            out.writeArrayHeader(ACLCategories.named.count)
            for entry in ACLCategories.named { out.writeBulk(entry.name) }
            return
        }
        let name = c.args.string(2)
        guard let category = ACLCategories(name: name) else { out.writeError("ERR Unknown category '\(name)'"); return }
        let names = c.engine.table.all.flatMap { [$0] + $0.subcommands }
            .filter { !$0.categories.isDisjoint(with: category) }.map(\.name)
        out.writeArrayHeader(names.count)
        for name in names { out.writeBulk(name) }
    }

    /// ACL GENPASS [bits]: hex digits of that many random bits (256 by default), from the
    /// system's secure generator.
    static func generatePassword(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count <= 3 else { out.writeError(wrongArguments("GENPASS")); return }
        var bits: Int64 = 256
        if c.args.count == 3 {
            guard let given = c.args.int64(2) else { out.writeError(ErrorReplies.notInteger); return }
            bits = given
        }
        guard bits > 0, bits <= 4096 else {
            out.writeError("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
            return
        }
        let digits = Int((bits + 3) / 4)
        var generator = SystemRandomNumberGenerator()
        let text = (0..<digits).map { _ in ASCII.hexDigits[Int(generator.next() & 15)] }
        out.writeBulk(text)
    }

    /// ACL LOG [count | RESET]: the newest `count` entries (10 by default).
    static func log(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count <= 3 else { out.writeError(wrongArguments("LOG")); return }
        var count = 10
        if c.args.count == 3 {
            if c.args.equals(2, lowercase: "reset") {
                c.engine.access.log.reset()
                out.writeOK()
                return
            }
            guard let given = c.args.int64(2) else { out.writeError(ErrorReplies.notInteger); return }
            count = Int(clamping: max(given, 0))
        }
        let now = c.engine.clock()
        let entries = c.engine.access.log.entries.prefix(count)
        out.writeArrayHeader(entries.count)
        for entry in entries {
            out.writeMapHeader(7)
            out.writeBulk("count"); out.writeIntegerReply(Int64(entry.count))
            out.writeBulk("reason"); out.writeBulk(entry.reason.rawValue)
            out.writeBulk("context"); out.writeBulk(entry.context.rawValue)
            out.writeBulk("object"); out.writeBulk(entry.object)
            out.writeBulk("username"); out.writeBulk(entry.username)
            out.writeBulk("age-seconds"); out.writeDouble(Score.format(Double(now - entry.createdAt) / 1000))
            out.writeBulk("client-info"); out.writeBulk(entry.clientInfo)
        }
    }

    /// ACL DRYRUN user command [arg…]: whether `user` could run it, without running it.
    static func dryRun(_ c: CommandContext, _ out: inout ReplyWriter) {
        let name = c.args.string(2)
        guard let user = c.engine.access.user(named: name) else { out.writeError("ERR User '\(name)' not found"); return }
        let commandArgs = Arguments(Array((3..<c.args.count).map { c.args.bytes($0) }))
        guard var spec = c.engine.table.lookup(commandArgs) else {
            out.writeError("ERR Command '\(c.args.string(3))' not found")
            return
        }
        if !spec.subcommands.isEmpty, commandArgs.count > 1, let sub = spec.subcommand(commandArgs) { spec = sub }
        guard spec.accepts(argumentCount: commandArgs.count) else { out.writeError(ErrorReplies.wrongArity(spec.name)); return }
        switch AccessControl.check(user, spec, commandArgs) {
        case nil: out.writeOK()
        case .command: out.writeBulk("This user has no permissions to run the '\(spec.name)' command")
        case .key(let position): out.writeBulk("This user has no permissions to access the '\(commandArgs.string(position))' key")
        case .channel(let position): out.writeBulk("This user has no permissions to access the '\(commandArgs.string(position))' channel")
        }
    }

    static func save(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let path = c.engine.aclFilePath else { out.writeError(noACLFile); return }
        let text = fileLines(c.engine).map { $0 + "\n" }.joined()
        if c.engine.hooks?.saveACLFile(text, path: path) == nil {
            out.writeOK()
        } else {
            out.writeError("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
        }
    }

    static func load(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let path = c.engine.aclFilePath else { out.writeError(noACLFile); return }
        guard let hooks = c.engine.hooks else { out.writeError("ERR Error loading ACLs: no server"); return }
        switch hooks.readACLFile(path: path) {
        case .failure(let reason):
            out.writeError("ERR Error loading ACLs, opening file '\(path)': \(reason.description)")
        case .success(let text):
            if let error = c.engine.loadACL(text, path: path, caller: c.client) {
                out.writeError("ERR " + error)
            } else {
                out.writeOK()
            }
        }
    }

    static func help(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeHelp([
            "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CAT [<category>]",
            "    List all commands that belong to <category>, or all command categories",
            "    when no category is specified.",
            "DELUSER <username> [<username> ...]",
            "    Delete a list of users.",
            "DRYRUN <username> <command> [<arg> ...]",
            "    Returns whether the user can execute the given command without executing the command.",
            "GETUSER <username>",
            "    Get the user's details.",
            "GENPASS [<bits>]",
            "    Generate a secure 256-bit user password. The optional `bits` argument can",
            "    be used to specify a different size.",
            "LIST",
            "    Show users details in config file format.",
            "LOAD",
            "    Reload users from the ACL file.",
            "LOG [<count> | RESET]",
            "    Show the ACL log entries.",
            "SAVE",
            "    Save the current config to the ACL file.",
            "SETUSER <username> <attribute> [<attribute> ...]",
            "    Create or modify a user with the specified attributes.",
            "USERS",
            "    List all the registered usernames.",
            "WHOAMI",
            "    Return the current connection username.",
            "HELP",
            "    Prints this help.",
        ])
    }
}
