public import CairnConfig
public import NIOCore

/// What the commands need from the process around them: facts about the process and
/// requests only the server can carry out. The server layer implements it; tests use a
/// simple fake. Keeping this a protocol is what keeps commands free of I/O.
public protocol ServerHooks: AnyObject {
    /// Process facts for INFO server (pid, port, executable, config file).
    var processInfo: ProcessInfoFacts { get }
    /// Memory use for INFO memory, in bytes.
    func memoryUsage() -> MemoryUsage
    /// Network counters for INFO stats.
    func networkStats() -> NetworkStats
    /// INFO persistence fields (the append-only file's state).
    func persistenceInfo() -> [(String, String)]
    /// BGREWRITEAOF: start rewriting the append-only file in the background. Returns the
    /// reply: nil when it started, else the error text.
    func requestRewrite() -> String?
    /// CONFIG RESETSTAT: zero the server's own counters.
    func resetStatistics()
    /// SHUTDOWN: stop the server gracefully after the current replies.
    func requestShutdown()
    /// CLIENT KILL: close these clients' connections now; replies not yet written are
    /// dropped, as Redis drops them. (A client killing itself closes after its reply.)
    func killClients(_ ids: [Int64])
    /// CONFIG SET changed live settings; the server applies what it owns.
    func settingsDidChange(from old: Settings, to new: Settings)
    /// Before CONFIG SET applies `new`: what the server must build from it first (a TLS
    /// context); nil, or why the change is refused.
    func prepareSettings(from old: Settings, to new: Settings) -> String?
    /// A line for the server's log (redis.log from a script).
    func log(_ level: Settings.LogLevel, _ message: String)
    /// A script has run past busy-reply-threshold; called again every few thousand of
    /// its instructions until it ends. The server answers other clients meanwhile
    /// through `Engine.answerWhileBusy` (the loop is inside the script).
    func scriptIsBusy()
    /// The busy script ended.
    func busyScriptEnded()
    /// ACL SAVE: replaces the ACL file with `text` atomically and durably; nil, or why not.
    func saveACLFile(_ text: String, path: String) -> String?
    /// ACL LOAD: the ACL file's text, or why it could not be read (strerror's words).
    func readACLFile(path: String) -> Result<String, ACLFileError>
}

/// Why the ACL file could not be read or written, in the system's words.
public struct ACLFileError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension ServerHooks {
    public func log(_ level: Settings.LogLevel, _ message: String) {}
    public func scriptIsBusy() {}
    public func busyScriptEnded() {}
    public func prepareSettings(from old: Settings, to new: Settings) -> String? { nil }
    public func saveACLFile(_ text: String, path: String) -> String? { "no ACL file here" }
    public func readACLFile(path: String) -> Result<String, ACLFileError> { .failure(ACLFileError("No such file or directory")) }
}

/// Where bytes for one client go when they are made outside that client's own read —
/// a blocked client served by another's write, a published message. The server gives
/// each `ClientSession` its connection as an outlet; the engine never sees more of it.
public protocol ClientOutlet: AnyObject {
    /// Sends `reply` after the replies the client already has. `waitsForLog`: it follows
    /// a write logged in this turn (a served pop), so like any write's reply it waits for
    /// the fsync when fsyncs do.
    func deliver(_ reply: ByteBuffer, waitsForLog: Bool)
    /// The connection's socket descriptor, or -1 when it has none the server can reach
    /// (TLS): CLIENT LIST's `fd`.
    var descriptor: Int32 { get }
    /// Replies of earlier turns not yet taken by the socket: CLIENT LIST's `omem`. (Not
    /// the current turn's, which the command asking may be writing.)
    var queuedReplyBytes: Int { get }
}

extension ClientOutlet {
    public var descriptor: Int32 { -1 }
    public var queuedReplyBytes: Int { 0 }
}

public struct ProcessInfoFacts: Sendable {
    public var processID: Int
    public var tcpPort: Int
    public var executable: String
    public var configFile: String
    public var startedAt: Int64

    public init(processID: Int, tcpPort: Int, executable: String, configFile: String, startedAt: Int64) {
        self.processID = processID
        self.tcpPort = tcpPort
        self.executable = executable
        self.configFile = configFile
        self.startedAt = startedAt
    }
}

public struct MemoryUsage: Sendable {
    public var used: Int
    public var rss: Int
    public var peak: Int
    public init(used: Int, rss: Int, peak: Int) {
        self.used = used
        self.rss = rss
        self.peak = peak
    }
}

public struct NetworkStats: Sendable {
    public var totalConnectionsReceived: Int
    public var rejectedConnections: Int
    public var inputBytes: Int
    public var outputBytes: Int
    public init(totalConnectionsReceived: Int = 0, rejectedConnections: Int = 0, inputBytes: Int = 0, outputBytes: Int = 0) {
        self.totalConnectionsReceived = totalConnectionsReceived
        self.rejectedConnections = rejectedConnections
        self.inputBytes = inputBytes
        self.outputBytes = outputBytes
    }
}
