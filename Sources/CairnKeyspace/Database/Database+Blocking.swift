/// Blocking commands' half in the keyspace: which keys have clients waiting on them, and
/// which of those changed since the engine last looked (Redis's `signalKeyAsReady`).
/// Every change to a key goes through `noteChange`, so pushes, adds, stores, renames and
/// a transaction's writes all make a waited-on key ready. One branch per change when no
/// client waits.
extension Database {
    /// One more client waits on `key`. O(1) average.
    public mutating func addWaiter(on key: Key) {
        waitedOn[key, default: 0] += 1
    }

    /// One client fewer waits on `key`. O(1) average.
    public mutating func removeWaiter(on key: Key) {
        guard let n = waitedOn[key] else { return }
        waitedOn[key] = n > 1 ? n - 1 : nil
    }

    /// Whether waited-on keys changed since the last drain. O(1).
    @inlinable public var hasReadyKeys: Bool { !readyKeys.isEmpty }

    /// Hands over the waited-on keys changed since the last call, in the order they first
    /// changed, each once. O(ready keys).
    public mutating func drainReadyKeys() -> [Key] {
        defer { readyKeys = [] }
        var seen = Set<Key>()
        return readyKeys.filter { seen.insert($0).inserted }
    }

    /// Makes `key` ready for its waiters without counting as a change (WATCH is not
    /// touched): XGROUP DESTROY wakes XREADGROUP readers so they answer NOGROUP. O(1).
    public mutating func signalReady(_ key: Key) {
        noteReady(key)
    }

    @inlinable mutating func noteReady(_ key: Key) {
        if !waitedOn.isEmpty, waitedOn[key] != nil { readyKeys.append(key) }
    }
}
