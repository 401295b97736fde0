import NIOConcurrencyHelpers
import CairnKeyspace

/// How far a rewrite's walk of its snapshot has gone, shared between the rewrite thread
/// (which advances it) and the event loop (whose eviction reads it).
///
/// The snapshot holds every value it has not written yet. Evicting a key the snapshot
/// still holds frees nothing — the value stays until the walk passes its segment — and
/// copies the key's segment out of the snapshot, so it *adds* memory. Eviction therefore
/// samples only segments the walk has released; while there are none, writes are
/// refused with OOM rather than pushed past `maxmemory` (measured: without this, a
/// rewrite under write load peaked 3.3 MB over a 48 MiB limit, every eviction of that
/// stretch copying a segment and freeing nothing).
public final class SnapshotWalk: Sendable {
    /// Databases below `database` are released whole; in `database`, the segments below
    /// `segment`.
    private let position = NIOLockedValueBox((database: 0, segment: 0))

    public init() {}

    /// Called by the encoder as it releases segments. O(1).
    func passed(database: Int, segment: Int) {
        position.withLockedValue { $0 = (database, segment) }
    }

    /// The segments of `database` the snapshot no longer holds: `0..<n` (all of them
    /// once the walk has moved past the database, none before it reaches it). O(1).
    public func releasedSegments(of database: Int) -> Int {
        let (walked, segment) = position.withLockedValue { $0 }
        if database < walked { return Database.segmentCount }
        return database == walked ? segment : 0
    }
}
