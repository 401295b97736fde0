/// All databases of a server.
///
/// A value type: `let snapshot = keyspace` is an O(1) point-in-time copy that may be
/// handed to another thread, and writers keep going at the cost of copying only the
/// segments they touch (see `Database`).
public struct Keyspace: Sendable {
    public var databases: [Database]

    /// O(databaseCount).
    public init(databaseCount: Int = 16) {
        databases = Array(repeating: Database(), count: max(1, databaseCount))
    }

    /// Total keys in all databases. O(databases).
    public var totalKeys: Int { databases.reduce(0) { $0 + $1.count } }

    /// Keys removed by expiry since start. O(databases).
    public var expiredTotal: Int { databases.reduce(0) { $0 + $1.expiredTotal } }

    /// Empties every database. O(n) to release the keys.
    public mutating func removeAll() {
        for i in databases.indices { databases[i].removeAll() }
    }
}
