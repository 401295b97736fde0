import CairnKeyspace
import CairnProtocol

/// Who a connection is, and the AUTH command. A connection starts as Redis's `default`
/// user, authenticated when that user needs no password; otherwise a connection from the
/// network must AUTH (or HELLO … AUTH) before anything but the commands flagged `noAuth`.
/// AUTH with a user name switches to that ACL user.
///
/// Passwords are kept and compared as SHA-256 digests in constant time (`ACLRules`), so
/// neither a timing difference nor an early exit tells how much of a guess was right.
public enum Authentication {
    static let specs: [CommandSpec] = [
        CommandSpec("auth", arity: -2, flags: [.noscript, .loading, .stale, .fast, .noAuth, .allowBusy], group: "connection",
                    since: "1.0.0", complexity: "O(N) where N is the number of passwords defined for the user",
                    summary: "Authenticates the connection.", syntax: "[username] password", run: auth),
    ]

    static let wrongPassword = "WRONGPASS invalid username-password pair or user is disabled."
    static let required = "NOAUTH Authentication required."

    /// Redis's text, naming Cairn.
    public static let protectedModeDenial = "DENIED Cairn is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Cairn you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Cairn from the same host the server is running, however MAKE SURE Cairn is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Cairn configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."

    /// Protected mode (Redis's): while it is on and the default user has no password, only
    /// the loopback interface may connect; others get `protectedModeDenial` and are closed.
    public static func deniedByProtectedMode(_ engine: Engine, remoteIsLoopback: Bool) -> Bool {
        engine.settings.protectedMode && engine.access.defaultUser.rules.noPassword && !remoteIsLoopback
    }

    /// Whether a new connection from the network starts authenticated: when the default
    /// user is on and needs no password.
    static func startsAuthenticated(_ engine: Engine) -> Bool {
        !engine.access.defaultUserRequiresAuthentication
    }

    /// The user `name` if the password at argument `passwordAt` opens it; a failure goes
    /// to the ACL log. O(password length × the user's passwords).
    static func verify(_ c: CommandContext, user name: String, passwordAt index: Int) -> ACLUser? {
        if let user = c.engine.access.user(named: name),
           c.args.withUnsafeBytes(index, { user.rules.accepts(password: $0) }) {
            return user
        }
        c.engine.recordFailedAuthentication(username: name, client: c.client)
        return nil
    }

    /// Equal digests, looked at whole whatever differs. O(n).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// AUTH [user] password.
    static func auth(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.args.count <= 3 else { out.writeError(ErrorReplies.syntax); return }
        if c.args.count == 2 && c.engine.access.defaultUser.rules.noPassword {
            out.writeError("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
            return
        }
        let name = c.args.count == 3 ? c.args.string(1) : "default"
        guard let user = verify(c, user: name, passwordAt: c.args.count - 1) else {
            out.writeError(wrongPassword)
            return
        }
        c.client.user = user
        c.client.authenticated = true
        out.writeOK()
    }
}
