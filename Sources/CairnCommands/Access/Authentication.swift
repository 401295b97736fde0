import Crypto
import CairnKeyspace
import CairnProtocol

/// Who a connection is, and the AUTH command. For now there is one user, Redis's
/// `default`: without `requirepass` it needs no password (every connection starts
/// authenticated, as in Redis); with one, a connection from the network must AUTH (or
/// HELLO … AUTH) before anything but the commands flagged `noAuth`. ACL users build on
/// this (issue 14).
///
/// Passwords are compared as SHA-256 digests in constant time, so neither a timing
/// difference nor an early exit tells how much of a guess was right.
enum Authentication {
    static let specs: [CommandSpec] = [
        CommandSpec("auth", arity: -2, flags: [.noscript, .loading, .stale, .fast, .noAuth, .allowBusy], group: "connection",
                    since: "1.0.0", complexity: "O(N) where N is the number of passwords defined for the user",
                    summary: "Authenticates the connection.", syntax: "[username] password", run: auth),
    ]

    static let wrongPassword = "WRONGPASS invalid username-password pair or user is disabled."
    static let required = "NOAUTH Authentication required."

    /// Whether a new connection from the network starts authenticated: when the default
    /// user needs no password.
    static func startsAuthenticated(_ engine: Engine) -> Bool {
        engine.settings.requirepass.isEmpty
    }

    /// Whether `password` opens user `user` (nil: the default user). O(length).
    static func check(_ engine: Engine, user: UnsafeRawBufferPointer?, password: UnsafeRawBufferPointer) -> Bool {
        if let user, !user.elementsEqual("default".utf8) { return false }
        let configured = engine.settings.requirepass
        // The default user without a password accepts any (Redis's `nopass`).
        guard !configured.isEmpty else { return true }
        return constantTimeEqual(Array(SHA256.hash(data: password)), Array(SHA256.hash(data: Array(configured.utf8))))
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
        if c.args.count == 2 && c.engine.settings.requirepass.isEmpty {
            out.writeError("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
            return
        }
        let accepted = c.args.count == 3
            ? c.args.withUnsafeBytes(1) { user in c.args.withUnsafeBytes(2) { check(c.engine, user: user, password: $0) } }
            : c.args.withUnsafeBytes(1) { check(c.engine, user: nil, password: $0) }
        guard accepted else { out.writeError(wrongPassword); return }
        c.client.authenticated = true
        out.writeOK()
    }
}
