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

    /// SWAPDB: databases `a` and `b` exchange their data. Each keeps its own watches (a
    /// WATCH names a database by number), and every watched key present in either database
    /// is noted as changed, as Redis's `touchAllWatchedKeysInDb` does. Expired keys not yet
    /// drained must be drained first. O(watched keys in both).
    public mutating func swapDatabases(_ a: Int, _ b: Int) {
        guard a != b, databases.indices.contains(a), databases.indices.contains(b) else { return }
        databases.swapAt(a, b)
        // Blocked clients wait on a database number, like watches: the waits stay, and
        // keys now present that someone waits on are ready (Redis's scanDatabaseForReadyKeys).
        let waitedA = databases[a].waitedOn, readyA = databases[a].readyKeys
        databases[a].waitedOn = databases[b].waitedOn
        databases[a].readyKeys = databases[b].readyKeys
        databases[b].waitedOn = waitedA
        databases[b].readyKeys = readyA
        for i in [a, b] {
            for key in databases[i].waitedOn.keys where databases[i].peek(key) != nil { databases[i].readyKeys.append(key) }
        }
        let watchedA = databases[a].watched, touchedA = databases[a].touchedWatched
        databases[a].watched = databases[b].watched
        databases[a].touchedWatched = databases[b].touchedWatched
        databases[b].watched = watchedA
        databases[b].touchedWatched = touchedA
        for (mine, other) in [(a, b), (b, a)] where !databases[mine].watched.isEmpty {
            for key in databases[mine].watched.keys
            where databases[mine].peek(key) != nil || databases[other].peek(key) != nil {
                databases[mine].touchedWatched.append(key)
            }
        }
    }

    /// Stops (or resumes) noting access times on reads, while a snapshot is held (see
    /// `Database.accessClocksFrozen`). O(databases).
    public mutating func freezeAccessClocks(_ frozen: Bool) {
        for i in databases.indices { databases[i].accessClocksFrozen = frozen }
    }

    /// Holds (or resumes) the removal of expired keys found by reads, during CLIENT PAUSE.
    /// O(databases).
    public mutating func holdExpiry(_ held: Bool) {
        for i in databases.indices { databases[i].expiryHeld = held }
    }

    /// Empties every database. O(n) to release the keys.
    public mutating func removeAll() {
        for i in databases.indices { databases[i].removeAll() }
    }
}
