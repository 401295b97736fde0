/// Counters behind INFO stats that the engine itself keeps.
public struct EngineStats: Sendable {
    public var commandsProcessed = 0
    public var keyspaceHits = 0
    public var keyspaceMisses = 0
    /// Expired keys counted before the last CONFIG RESETSTAT (the keyspace keeps the total).
    public var expiredKeysBase = 0
    /// Keys removed to stay under `maxmemory`.
    public var evictedKeys = 0
    public init() {}
}
