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

    public init() {}

    public enum LogLevel: String, Sendable, CaseIterable {
        case debug, verbose, notice, warning
    }
}
