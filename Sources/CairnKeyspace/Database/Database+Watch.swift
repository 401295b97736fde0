/// WATCH support: the database notes changes to keys a client watches, so the command
/// layer can fail that client's EXEC. Costs one branch per change when nothing is watched.
extension Database {
    /// Starts (or counts one more) watch of `key`. O(1) average.
    public mutating func watch(_ key: Key) {
        watched[key, default: 0] += 1
    }

    /// Ends one watch of `key`. O(1) average.
    public mutating func unwatch(_ key: Key) {
        guard let n = watched[key] else { return }
        watched[key] = n > 1 ? n - 1 : nil
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

    /// Records a change to `key` if it is watched. O(1) average; one branch if nothing is.
    @inlinable mutating func noteChange(_ key: Key) {
        if !watched.isEmpty, watched[key] != nil { touchedWatched.append(key) }
    }
}
