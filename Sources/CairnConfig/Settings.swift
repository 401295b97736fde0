/// Every setting of a running Cairn server, typed. Defaults match redis.conf's except the
/// port (Cairn's is 7379, so it can run beside a Redis on 6379).
public struct Settings: Sendable, Equatable {
    public var port = 7379
    public var bind = ["127.0.0.1"]
    public var databases = 16
    public var maxclients = 10_000
    public var protoMaxBulkLen = 512 * 1024 * 1024
    public var clientQueryBufferLimit = 1024 * 1024 * 1024
    /// How often per second background tasks (active expiry) run; Redis clamps to 1...500.
    public var hz = 10
    public var loglevel = LogLevel.notice
    public var dir = "."
    /// Log every write to the append-only file (AOF).
    public var appendonly = true
    public var appendfsync = AppendFsync.everysec
    /// The everysec fsync period, in milliseconds.
    public var appendfsyncInterval = 1000
    public var appendfilename = "appendonly.aof"
    public var appenddirname = "appendonlydir"
    /// Start even if the last log file ends in a torn write (cutting it back).
    public var aofLoadTruncated = true
    /// Rewrite when the log has grown by this percentage over its size after the last
    /// rewrite (0: never for growth).
    public var autoAofRewritePercentage = 100
    /// ... once it is at least this large.
    public var autoAofRewriteMinSize = 64 * 1024 * 1024
    /// Do not rewrite more often than this, and rewrite a log older than this if it grew
    /// at all; in ms, 0: off.
    public var autoAofRewriteMinAge = 0

    public init() {}

    public enum LogLevel: String, Sendable, CaseIterable {
        case debug, verbose, notice, warning
    }

    public enum AppendFsync: String, Sendable, CaseIterable {
        case always, everysec, no
    }
}
