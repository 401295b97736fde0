import NIOCore
import CairnCommands

/// Every figure the metrics endpoint reports, copied from the engine's loop in one hop
/// (O(commands used + databases)), so rendering and serving never run on that loop.
struct MetricsSnapshot: Sendable {
    struct Database: Sendable {
        let index: Int
        let keys: Int
        let expiring: Int
    }

    var commands: [Engine.CommandCounters] = []
    var errors: [(code: String, count: Int)] = []
    var connectedClients = 0
    var blockedClients = 0
    var databases: [Database] = []
    var memoryBytes = 0
    /// Nil while the append-only file is off.
    var log: Persistence.Figures?
    /// Fraction of the append-only file loaded, while loading at start-up.
    var loadingProgress: Double?
}

extension CairnServer {
    /// The figures for one scrape; nil before the engine exists. The loading progress is
    /// read without the loop (the loader shares it through a lock).
    func metricsSnapshot() async -> MetricsSnapshot? {
        guard let core else { return nil }
        let progress = self.progress.withLockedValue { $0 }
        let snapshot = try? await loop.submit { () -> MetricsSnapshot in
            let engine = core.value.engine
            var snapshot = MetricsSnapshot()
            snapshot.commands = engine.commandCounters
            snapshot.errors = engine.errorCounters
            snapshot.connectedClients = engine.clients.count
            snapshot.blockedClients = engine.blockedClientCount
            snapshot.databases = engine.keyspace.databases.enumerated().compactMap { index, db in
                db.count > 0 ? MetricsSnapshot.Database(index: index, keys: db.count, expiring: db.volatileCount) : nil
            }
            snapshot.memoryBytes = engine.memoryUsed()
            snapshot.log = core.value.runtime.persistence?.figures
            if engine.loadingInfo != nil {
                snapshot.loadingProgress = progress.totalBytes == 0 ? 0 : Double(progress.loadedBytes) / Double(progress.totalBytes)
            }
            return snapshot
        }.get()
        return snapshot
    }
}
