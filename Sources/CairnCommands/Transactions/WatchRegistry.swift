import CairnKeyspace

/// Which clients WATCH which keys, so a change to a key can fail their EXEC.
///
/// The databases note changes to watched keys (`Database.noteChange`); after each command
/// the engine drains those notes and marks the watching clients (`ClientSession.watchBroken`).
struct WatchRegistry {
    /// Client ids watching each key, per database.
    private var watchers: [[Key: [Int64]]]
    /// Watches in force; zero means there is nothing to drain. O(1).
    private(set) var count = 0

    init(databaseCount: Int) {
        watchers = Array(repeating: [:], count: databaseCount)
    }

    /// `client` watches `key` in `db` (once; a repeated WATCH of the same key is a no-op).
    /// Returns whether this is a new watch. O(watchers of the key).
    mutating func add(_ key: Key, db: Int, client: Int64) -> Bool {
        if watchers[db][key]?.contains(client) == true { return false }
        watchers[db][key, default: []].append(client)
        count += 1
        return true
    }

    /// Ends `client`'s watch of `key` in `db`. O(watchers of the key).
    mutating func remove(_ key: Key, db: Int, client: Int64) {
        guard var ids = watchers[db][key], let i = ids.firstIndex(of: client) else { return }
        ids.remove(at: i)
        watchers[db][key] = ids.isEmpty ? nil : ids
        count -= 1
    }

    /// Clients watching `key` in `db`. O(1) average.
    func clients(watching key: Key, db: Int) -> [Int64] {
        watchers[db][key] ?? []
    }
}
