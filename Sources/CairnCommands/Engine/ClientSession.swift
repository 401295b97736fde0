import CairnKeyspace
/// The state of one connected client that commands can see and change: its database,
/// its name, what it ran last. Owned by the engine's event loop; never shared.
public final class ClientSession {
    public let id: Int64
    public var name: String = ""
    /// Selected database (SELECT).
    public var db = 0
    public let address: String
    public let localAddress: String
    /// Unix ms at connect and at the last command.
    public let createdAt: Int64
    public var lastInteraction: Int64
    /// The last command run, for CLIENT LIST's `cmd=`.
    public var lastCommand: CommandSpec?
    /// Reply protocol chosen with HELLO: 2 or 3.
    public var protocolVersion = 2
    /// Set by QUIT: close once the replies so far are written.
    public var closeAfterReply = false
    /// The MULTI block being queued, if any.
    public var transaction: Transaction?
    /// Keys this client WATCHes.
    var watchedKeys: [(db: Int, key: Key)] = []
    /// A watched key changed since WATCH: the next EXEC fails.
    var watchBroken = false
    /// Bytes waiting in the query buffer, reported by the connection for CLIENT LIST.
    public var queryBufferLength = 0

    public init(id: Int64, address: String, localAddress: String, now: Int64) {
        self.id = id
        self.address = address
        self.localAddress = localAddress
        self.createdAt = now
        self.lastInteraction = now
    }
}
