import Testing
import CairnTestSupport
import CairnConfig
@testable import CairnKeyspace
@testable import CairnCommands

/// maxmemory without a server: the engine's memory reading is replaced by one that
/// counts keys, so what each policy evicts can be checked exactly.
@Suite struct EvictionTests {
    /// A harness whose "memory" is 1,000 bytes per key, limited to `keys` keys, plus the
    /// log's buffer (which the process's allocator counts too, and eviction leaves out).
    func harness(policy: Settings.MaxmemoryPolicy, keys: Int) -> Harness {
        var settings = Settings()
        settings.maxmemory = keys * 1000
        settings.maxmemoryPolicy = policy
        settings.maxmemorySamples = 64
        let h = Harness(settings: settings, recording: true)
        h.engine.memoryUsed = { [unowned engine = h.engine] in
            engine.keyspace.databases.reduce(0) { $0 + $1.count } * 1000 + engine.memoryNotCountedForEviction
        }
        return h
    }

    @Test func volatileTTLEvictsTheSoonestExpiring() {
        let h = harness(policy: .volatileTTL, keys: 10)
        for i in 0..<10 { h.run("SET", "p\(i)", "v") }
        for i in 0..<20 {
            h.run("SET", "t\(i)", "v", "EX", String(1000 + i))
        }
        // Eviction runs before each command while over the limit (so one command's keys
        // may pass it): each write after the tenth evicted one key, the soonest expiring.
        #expect(h.engine.stats.evictedKeys == 19)
        let db = h.engine.keyspace.databases[0]
        #expect((0..<10).allSatisfy { db.peek(Key("p\($0)")) != nil })
        #expect(db.peek(Key("t19")) != nil && db.count == 11)
        let effects = h.effects().filter { $0.first == "DEL" }
        #expect(effects.count == 19)
        #expect(effects.first == ["DEL", "t0"])
    }

    @Test func lruKeepsWhatIsRead() {
        let h = harness(policy: .allkeysLRU, keys: 100)
        for i in 0..<100 { h.run("SET", "k\(i)", "v") }
        h.now += 10_000
        for i in 0..<10 { h.run("GET", "k\(i)") }        // read after the others were written
        for i in 100..<150 { h.run("SET", "k\(i)", "v") }
        #expect((0..<10).allSatisfy { h.run("EXISTS", "k\($0)") == .integer(1) })
        #expect(h.engine.stats.evictedKeys == 50)
    }

    @Test func noevictionAndNoCandidatesAnswerOOM() {
        let h = harness(policy: .noeviction, keys: 2)
        h.run("SET", "a", "1")
        h.run("SET", "b", "1")
        h.run("SET", "c", "1")      // at the limit, not over it: allowed
        #expect(h.run("SET", "d", "1") == .error("OOM command not allowed when used memory > 'maxmemory'."))
        #expect(h.run("GET", "a") == .str("1"))
        let v = harness(policy: .volatileLRU, keys: 2)
        v.run("SET", "a", "1")
        v.run("SET", "b", "1")
        v.run("SET", "c", "1")      // over the limit now, with nothing volatile to evict
        #expect(v.run("SET", "d", "1") == .error("OOM command not allowed when used memory > 'maxmemory'."))
        #expect(v.run("MULTI") == .ok)
        #expect(v.run("GET", "a") == .error("OOM command not allowed when used memory > 'maxmemory'."))
        #expect(v.run("EXEC") == .error("EXECABORT Transaction discarded because of previous errors."))
    }

    /// Any 32-bit word — one written under LRU and read after a switch to LFU included —
    /// decays without trapping, and counters only grow to 255.
    @Test func lfuCountersSurviveAnyWord() {
        var rng = SplitMix64(state: 7)
        for _ in 0..<100_000 {
            let word = UInt32.random(in: 0...UInt32.max, using: &rng)
            let now = Int64.random(in: 0...Int64.max / 2, using: &rng)
            let counter = LFU.decayed(word, nowMs: now, decayMinutes: Int.random(in: 0...100, using: &rng))
            #expect(counter <= 255)
            #expect(LFU.incremented(counter, logFactor: Int.random(in: 0...1000, using: &rng), random: Double.random(in: 0..<1, using: &rng)) <= 255)
        }
        #expect(LFU.incremented(255, logFactor: 0, random: 0) == 255)
        #expect(LFU.incremented(5, logFactor: 10, random: 0.99) == 6)   // at the initial value growth is certain
        #expect(LFU.decayed(3 << 8 | 10, nowMs: 8 * 60_000, decayMinutes: 1) == 5)
    }

    @Test func poolKeepsTheBestSixteen() {
        var pool = EvictionPool()
        for rank in [5, 1, 9, 3, 7] + Array(20..<40) { pool.offer(.init(db: 0, key: Key("k\(rank)"), rank: UInt64(rank))) }
        #expect(pool.candidates.count == 16)
        #expect(pool.popBest()?.rank == 39)
        #expect(pool.candidates.first?.rank == 24)
    }

    /// While a rewrite walks its snapshot, eviction takes only keys the walk has released
    /// (the others would free nothing and copy their segments): none at the start, so
    /// writes over the limit are refused; then only keys of passed segments; then any.
    @Test(arguments: [Settings.MaxmemoryPolicy.allkeysLRU, .allkeysRandom, .allkeysLFU])
    func evictionLeavesWhatASnapshotStillHolds(policy: Settings.MaxmemoryPolicy) {
        let h = harness(policy: policy, keys: 400)
        // One eviction before the rewrite leaves candidates in the pool (sampled when no
        // snapshot existed); then one key over the limit.
        for i in 0..<402 { h.run("SET", "k\(i)", "v") }
        for i in 402..<403 { h.run("SET", "k\(i)", "v") }
        _ = h.effects()
        let before = h.engine.stats.evictedKeys
        let walk = SnapshotWalk()
        h.engine.snapshotWalk = walk
        #expect(h.run("SET", "new", "v") == .error("OOM command not allowed when used memory > 'maxmemory'."))
        #expect(h.engine.stats.evictedKeys == before)
        let half = Database.segmentCount / 2
        walk.passed(database: 0, segment: half)
        for i in 0..<100 { h.run("SET", "n\(i)", "v") }
        let evicted = h.effects().filter { $0.first == "DEL" }.map { Key($0[1]) }
        #expect(evicted.count == 100)
        #expect(evicted.allSatisfy { Database.segmentIndex($0) < half })
        walk.passed(database: 1, segment: 0)
        #expect(walk.releasedSegments(of: 0) == Database.segmentCount && walk.releasedSegments(of: 1) == 0)
        h.engine.snapshotWalk = nil
        for i in 0..<100 { h.run("SET", "m\(i)", "v") }
        let later = h.effects().filter { $0.first == "DEL" }.map { Key($0[1]) }
        #expect(later.count == 100)
        #expect(later.contains { Database.segmentIndex($0) >= half })
    }

    /// The encoder advances the walk segment by segment and past every database at the end.
    @Test func theEncoderAdvancesTheWalk() {
        var keyspace = Keyspace(databaseCount: 3)
        let value = ByteString(String(repeating: "v", count: 100))
        for i in 0..<3000 { keyspace.databases[1].set(Key("k\(i)"), Entry(value: .string(value)), now: 0) }
        let walk = SnapshotWalk()
        var encoder = SnapshotEncoder()
        var progress: [Int] = []
        encoder.encode(keyspace, now: 0, walk: walk) { _ in progress.append(walk.releasedSegments(of: 1)) }
        #expect(encoder.keysWritten == 3000)
        // Several chunks, each emitted further into database 1, none past its end.
        #expect(progress.count > 3)
        #expect(zip(progress, progress.dropFirst()).allSatisfy { $0 < $1 })
        #expect(progress.dropLast().allSatisfy { $0 > 0 && $0 < Database.segmentCount })
        #expect((0..<3).allSatisfy { walk.releasedSegments(of: $0) == Database.segmentCount })
        // Before the walk starts, nothing is released.
        #expect(SnapshotWalk().releasedSegments(of: 0) == 0)
    }

    /// The log's buffer is not counted against maxmemory (Redis's `aof_buf`): evictions
    /// add DELs to it, so counting it would make each eviction call for the next, and the
    /// effects of one busy turn would evict keys that fit once the turn is written.
    @Test func theLogBufferIsNotCountedForEviction() {
        let h = harness(policy: .allkeysLRU, keys: 100)
        var backlog = 0
        h.engine.logBacklogBytes = { backlog }
        // One turn's worth of effects (not taken by a log between commands): 100 keys of
        // 200 bytes fill the buffer well past one key's worth, and nothing is evicted.
        let value = String(repeating: "v", count: 200)
        for i in 0..<101 { h.run("SET", "k\(i)", value) }
        #expect(h.engine.propagation.pending.capacity > 20_000)
        #expect(h.engine.stats.evictedKeys == 0)
        #expect(h.engine.memoryNotCountedForEviction == h.engine.propagation.pending.capacity)
        // A write batch waiting for a retry is not counted either.
        backlog = 1 << 20
        for i in 101..<111 { h.run("SET", "k\(i)", value) }
        #expect(h.engine.stats.evictedKeys == 10)
        #expect(h.engine.memoryNotCountedForEviction == h.engine.propagation.pending.capacity + (1 << 20))
        let info = h.run("INFO", "memory")
        guard case .bulk(let text?) = info else { Issue.record("INFO: \(info)"); return }
        #expect(text.contains("mem_not_counted_for_evict:\(h.engine.memoryNotCountedForEviction)\r\n"))
    }
}
