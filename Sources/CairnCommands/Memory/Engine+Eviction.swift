import CairnKeyspace
import CairnConfig

/// The best eviction candidates seen so far, as Redis keeps them between evictions
/// (`EvictionPoolLRU`): up to 16, best last. A candidate is ranked by how much it
/// deserves eviction — idle time (LRU), a low access frequency (LFU) or a near expiry
/// (volatile-ttl).
struct EvictionPool {
    struct Candidate {
        let db: Int
        let key: Key
        let rank: UInt64
    }

    static let size = 16
    private(set) var candidates: [Candidate] = []

    /// Adds a candidate if it ranks among the best 16 (or replaces the same key's). O(16).
    mutating func offer(_ candidate: Candidate) {
        if let i = candidates.firstIndex(where: { $0.db == candidate.db && $0.key == candidate.key }) {
            candidates.remove(at: i)
        }
        guard candidates.count < Self.size || candidate.rank > candidates[0].rank else { return }
        let at = candidates.firstIndex { $0.rank > candidate.rank } ?? candidates.count
        candidates.insert(candidate, at: at)
        if candidates.count > Self.size { candidates.removeFirst() }
    }

    /// The best candidate, removed from the pool.
    mutating func popBest() -> Candidate? { candidates.popLast() }

    mutating func removeAll() { candidates = [] }
}

extension Engine {
    static let outOfMemoryError = "OOM command not allowed when used memory > 'maxmemory'."

    enum EvictionOutcome { case underLimit, stillEvicting, failed }

    /// The policy's access tracking for every database (LFU words or LRU clocks).
    func followMemorySettings() {
        let tracking: AccessTracking = settings.maxmemoryPolicy.usesLFU
            ? .lfu(logFactor: settings.lfuLogFactor, decayMinutes: settings.lfuDecayTime) : .lru
        for db in keyspace.databases.indices where keyspace.databases[db].accessTracking != tracking {
            keyspace.databases[db].accessTracking = tracking
        }
        evictionPool.removeAll()
    }

    /// Whether `spec` is refused while memory is over the limit with nothing left to
    /// evict (Redis's rules): commands that may grow memory, EXEC of a block holding one,
    /// and any command queued inside MULTI but EXEC, DISCARD, QUIT and RESET.
    func refusesWhenOutOfMemory(_ spec: CommandSpec, client: ClientSession) -> Bool {
        if spec.flags.contains(.denyOOM) { return true }
        if spec.name == "exec" { return client.transaction?.hasDenyOOM ?? false }
        return client.transaction != nil && !["discard", "quit", "reset"].contains(spec.name)
    }

    /// The log's buffer: the effects of this turn not yet written (and the buffer kept
    /// for the next turn's), and a batch waiting for a write retry (Redis's `aof_buf`). Evictions add to it (each is logged as a
    /// DEL), so counting it would make every eviction call for the next. O(1).
    public var memoryNotCountedForEviction: Int {
        propagation.bufferedCapacity &+ max(0, logBacklogBytes())
    }

    /// What `maxmemory` is compared with: the memory used less the log's buffer, as
    /// Redis's `getMaxmemoryState` subtracts it. O(1).
    func memoryCountedForEviction() -> Int {
        memoryCounted(from: memoryUsed())
    }

    private func memoryCounted(from used: Int) -> Int {
        let notCounted = memoryNotCountedForEviction
        return used > notCounted ? used - notCounted : 0
    }

    /// Evicts keys by `maxmemory-policy` until the memory used is under `maxmemory`
    /// (Redis's `performEvictions`). Each evicted key is logged as a DEL, so the log
    /// replays to the dataset clients see, and announced as an `evicted` keyspace event.
    /// Stops after a few milliseconds (continuing at the next command or tick) and gives
    /// up when evictions free nothing — memory held elsewhere is not the keys' to give
    /// back. While a rewrite walks its snapshot, only keys the walk has released are
    /// candidates: evicting the others would free nothing and copy their segments.
    /// O(keys evicted × samples).
    @discardableResult
    func performEvictions() -> EvictionOutcome {
        let limit = settings.maxmemory
        guard limit > 0 else { return .underLimit }
        // Under the limit all told (the common case, checked before every command): the
        // log's buffer need not be looked at.
        let total = memoryUsed()
        guard total > limit else { return .underLimit }
        var used = memoryCounted(from: total)
        guard used > limit else { return .underLimit }
        if settings.maxmemoryPolicy == .noeviction { return .failed }
        let started = clock()
        var fruitless = 0
        while used > limit {
            guard let victim = chooseVictim() else { return .failed }
            evict(victim.key, db: victim.db)
            let now = memoryCountedForEviction()
            fruitless = now < used ? 0 : fruitless + 1
            used = now
            if fruitless >= 64 { return .failed }
            if clock() - started >= 10 { return used > limit ? .stillEvicting : .underLimit }
        }
        return .underLimit
    }

    /// Evicts from a timer when memory is over the limit (a lowered `maxmemory`, or an
    /// eviction cut short); whether any key was evicted.
    public func evictInBackground() -> Bool {
        guard settings.maxmemory > 0, settings.maxmemoryPolicy != .noeviction else { return false }
        let before = stats.evictedKeys
        performEvictions()
        return stats.evictedKeys != before
    }

    /// Removes `key` from `db` as an eviction: logged as DEL, announced, counted, and
    /// seen by WATCH and blocked clients like any deletion.
    private func evict(_ key: Key, db: Int) {
        guard keyspace.databases[db].remove(key) != nil else { return }
        stats.evictedKeys += 1
        if propagation.isEnabled { propagation.record(db: db, [.word("DEL"), .bytes(key.bytes)]) }
        notify(.evicted, "evicted", key: key, db: db)
        noteWatchedChanges()
    }

    /// How many of `db`'s segments (from the first) eviction may take keys from.
    private func evictableSegments(_ db: Int) -> Int {
        snapshotWalk?.releasedSegments(of: db) ?? Database.segmentCount
    }

    /// The next key to evict, by policy; nil when no key qualifies.
    private func chooseVictim() -> (db: Int, key: Key)? {
        let policy = settings.maxmemoryPolicy
        let volatileOnly = policy.volatileOnly
        let now = clock()
        if policy == .allkeysRandom || policy == .volatileRandom {
            // Databases in turn, as Redis does, so one is not emptied before the others.
            for _ in keyspace.databases.indices {
                let db = nextEvictionDatabase
                nextEvictionDatabase = (nextEvictionDatabase + 1) % keyspace.databases.count
                if let pick = keyspace.databases[db].sampleForEviction(count: 1, volatileOnly: volatileOnly, now: now,
                                                                       segmentsBelow: evictableSegments(db),
                                                                       using: &evictionRandom).first {
                    return (db, pick.key)
                }
            }
            return nil
        }
        while true {
            for db in keyspace.databases.indices
            where (volatileOnly ? keyspace.databases[db].volatileCount : keyspace.databases[db].count) > 0 {
                let sample = keyspace.databases[db].sampleForEviction(count: settings.maxmemorySamples, volatileOnly: volatileOnly,
                                                                      now: now, segmentsBelow: evictableSegments(db),
                                                                      using: &evictionRandom)
                for candidate in sample {
                    evictionPool.offer(.init(db: db, key: candidate.key, rank: rank(candidate, policy: policy, now: now)))
                }
            }
            guard !evictionPool.candidates.isEmpty else { return nil }
            // The best candidate that still exists (and still has an expiry, if it must).
            while let best = evictionPool.popBest() {
                if let entry = keyspace.databases[best.db].peek(best.key), !volatileOnly || entry.isVolatile {
                    return (best.db, best.key)
                }
            }
        }
    }

    /// Higher ranks are evicted first.
    private func rank(_ candidate: EvictionCandidate, policy: Settings.MaxmemoryPolicy, now: Int64) -> UInt64 {
        switch policy {
        case .volatileTTL:
            return UInt64.max - UInt64(clamping: candidate.expireAt)
        case .allkeysLFU, .volatileLFU:
            return 255 - UInt64(LFU.decayed(candidate.clock, nowMs: now, decayMinutes: settings.lfuDecayTime))
        default:
            return UInt64(AccessClock.at(now) &- candidate.clock)
        }
    }
}

/// Draws for eviction's sampling: xorshift64*, seeded once from the system's generator.
/// Sampling takes a dozen draws per evicted key; asking the kernel for each (as
/// `SystemRandomNumberGenerator` does) cost more than the rest of an eviction.
struct EvictionRandom: RandomNumberGenerator {
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next() | 1
    }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
