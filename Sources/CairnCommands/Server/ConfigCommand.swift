import NIOCore
import CairnProtocol
import CairnKeyspace
import CairnConfig

/// CONFIG GET / SET / RESETSTAT / HELP over the same directive table the config file uses.
enum ConfigCommand {
    static let spec = CommandSpec(
        "config", arity: -2, flags: [], group: "server", since: "2.0.0", complexity: "Depends on subcommand.",
        summary: "A container for server configuration commands.",
        subcommands: [
            CommandSpec("config|get", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "2.0.0",
                        complexity: "O(N) when N is the number of configuration parameters provided",
                        summary: "Returns the effective values of configuration parameters.", syntax: "parameter [parameter ...]", run: get),
            CommandSpec("config|set", arity: -4, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "2.0.0",
                        complexity: "O(N) when N is the number of configuration parameters provided",
                        summary: "Sets configuration parameters in-flight.", syntax: "parameter value [parameter value ...]", run: set),
            CommandSpec("config|resetstat", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server", since: "2.0.0",
                        summary: "Resets the server's statistics.", run: resetstat),
            CommandSpec("config|help", arity: 2, flags: [.loading, .stale], group: "server", since: "5.0.0",
                        summary: "Returns helpful text about the different subcommands.", run: help),
        ],
        run: { _, _ in })

    static func get(_ c: CommandContext, _ out: inout ReplyWriter) {
        var matched: [(String, String)] = []
        var seen = Set<String>()
        for i in 2..<c.args.count {
            let pattern = c.args[i]
            for directive in Directives.all where !seen.contains(directive.name)
                && GlobPattern.matches(pattern, Array(directive.name.utf8), ignoreCase: true) {
                seen.insert(directive.name)
                matched.append((directive.name, directive.render(c.engine.settings)))
            }
        }
        out.writeMapHeader(matched.count)
        for (name, value) in matched {
            out.writeBulk(name)
            out.writeBulk(value)
        }
    }

    /// All pairs are checked before any is applied, so a failing CONFIG SET changes nothing.
    static func set(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count % 2 == 0 else { out.writeError(ErrorReplies.syntax); return }
        var updated = c.engine.settings
        var seen = Set<String>()
        var pairs: [(Directive, String)] = []
        for i in stride(from: 2, to: c.args.count, by: 2) {
            let name = c.args.string(i)
            guard let directive = Directives.named(name) else {
                out.writeError("ERR Unknown option or number of arguments for CONFIG SET - '\(name)'"); return
            }
            // Protection first, so a protected setting is refused the way Redis refuses it
            // whether or not Cairn could change it live.
            if Directives.protectedNames.contains(directive.name), !allowsProtectedAction(c.engine.settings.enableProtectedConfigs, c.client) {
                out.writeError(failure(name, "can't set protected config")); return
            }
            guard directive.mutableAtRuntime else { out.writeError(failure(name, "can't set immutable config")); return }
            guard seen.insert(directive.name).inserted else { out.writeError(failure(name, "duplicate parameter")); return }
            pairs.append((directive, c.args.string(i + 1)))
        }
        for (directive, value) in pairs {
            if let message = directive.apply([value], to: &updated) {
                out.writeError(failure(directive.name, message)); return
            }
        }
        if let reason = c.engine.hooks?.prepareSettings(from: c.engine.settings, to: updated), let first = pairs.first {
            out.writeError(failure(first.0.name, reason)); return
        }
        c.engine.updateSettings(updated)
        out.writeOK()
    }

    /// Redis's `allowProtectedAction`: always, never, or for connections from this host.
    static func allowsProtectedAction(_ setting: Settings.ProtectedAction, _ client: ClientSession) -> Bool {
        switch setting {
        case .yes: return true
        case .no: return false
        case .local: return client.isLocal
        }
    }

    static func failure(_ name: String, _ reason: String) -> String {
        "ERR CONFIG SET failed (possibly related to argument '\(name)') - \(reason)"
    }

    static func resetstat(_ c: CommandContext, _ out: inout ReplyWriter) {
        c.engine.stats = EngineStats()
        c.engine.statistics.reset()
        c.engine.stats.expiredKeysBase = c.engine.keyspace.expiredTotal
        c.engine.hooks?.resetStatistics()
        out.writeOK()
    }

    static func help(_ c: CommandContext, _ out: inout ReplyWriter) {
        let lines = [
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
            "RESETSTAT", "    Reset statistics reported by the INFO command.",
            "HELP", "    Print this help.",
        ]
        out.writeHelp(lines)
    }
}
