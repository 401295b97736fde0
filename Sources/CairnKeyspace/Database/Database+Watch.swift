/// WATCH support: the database knows which clients (by id) watch which keys and notes
/// changes to watched keys, so the command layer can fail those clients' EXEC. Costs one
/// branch per change when nothing is watched.
extension Database {
    /// Client `id` watches `key`; false if it already did. O(watchers of the key).
    public mutating func watch(_ key: Key, by id: Int64) -> Bool {
        if watched[key]?.contains(id) == true { return false }
        watched[key, default: []].append(id)
        return true
    }

    /// Ends client `id`'s watch of `key`. O(watchers of the key).
    public mutating func unwatch(_ key: Key, by id: Int64) {
        guard var ids = watched[key], let i = ids.firstIndex(of: id) else { return }
        ids.remove(at: i)
        watched[key] = ids.isEmpty ? nil : ids
    }

    /// Ids of the clients watching `key`. O(1) average.
    public func watchers(of key: Key) -> [Int64] {
        watched[key] ?? []
    }

    /// Whether watched keys changed since the last drain; a cheap check. O(1).
    @inlinable public var hasTouchedWatchedKeys: Bool { !touchedWatched.isEmpty }

    /// Hands over the watched keys changed since the last call (a key may repeat). O(1).
    public mutating func drainTouchedWatchedKeys() -> [Key] {
        defer { touchedWatched = [] }
        return touchedWatched
    }

    /// Tells the database that an `update` body wrote `key` (even the same value, as Redis
    /// counts it). O(1) average; one branch if nothing is watched.
    @inlinable public mutating func noteWrite(_ key: Key) { noteChange(key) }

    /// Records a change to `key` if it is watched or waited on (Database+Blocking). O(1)
    /// average; two branches if neither.
    @inlinable mutating func noteChange(_ key: Key) {
        if !watched.isEmpty, watched[key] != nil { touchedWatched.append(key) }
        noteReady(key)
    }
}
