import Testing
import CairnTestSupport
import NIOCore
import CairnProtocol
import CairnKeyspace
import CairnConfig
@testable import CairnCommands
@testable import CairnLog
import CairnLogTesting


final class SimulatedClock {
    var now: Int64 = 1_700_000_000_000
}

/// Every live key of every database as "db:key" → value.
func contents(_ engine: Engine, now: Int64) -> [String: String] {
    contents(engine.keyspace, now: now)
}

func contents(_ keyspace: Keyspace, now: Int64) -> [String: String] {
    var out: [String: String] = [:]
    for (index, db) in keyspace.databases.enumerated() where db.count > 0 {
        db.forEachLiveKey(now: now) { key, entry in
            switch entry.value {
            case .string(let value):
                out["\(index):\(key)"] = value.description
            case .hash(let fields):
                out["\(index):\(key)"] = "hash:" + fields.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            case .list(let elements):
                out["\(index):\(key)"] = "list:" + elements.map(\.description).joined(separator: ",")
            case .set(let members):
                out["\(index):\(key)"] = "set:" + members.map(\.description).sorted().joined(separator: ",")
            case .zset(let members):
                out["\(index):\(key)"] = "zset:" + members.allEntries.map { "\($0.member)=\($0.score)" }.joined(separator: ",")
            case .stream(let stream):
                out["\(index):\(key)"] = "stream:\(stream.lastID)/\(stream.entriesAdded)/\(stream.maxDeletedID):"
                    + stream.range(.zero, .max).map { "\($0.id)=" + $0.pairs.map(\.description).joined(separator: ",") }.joined(separator: ";")
                    + stream.groupsByName.map { name, group in
                        // Everything a group keeps across a restart (not a consumer's seen time).
                        "|\(name)@\(group.lastDeliveredID)#\(group.entriesRead):"
                            + group.pending.ids.map { id in
                                group.pending[id].map { "\(id)>\($0.consumer)/\($0.deliveryTime)/\($0.deliveryCount)" } ?? ""
                            }.joined(separator: ",")
                            + ":" + group.consumersByName.map { "\($0.name)=\($0.consumer.pending.count)" }.joined(separator: ",")
                    }.joined()
            }
        }
    }
    return out
}

/// One seeded run: a random workload through the real engine and log writer on a
/// simulated disk, with an optional fault, then a power loss and a restart.
/// Returns nil when every promise held, else what broke (with the seed).
func runCrashScenario(seed: UInt64) -> String? {
    var rng = SplitMix64(state: seed)
    let policy = FsyncPolicy.allCases[Int(seed % 3)]
    let fault = Int.random(in: 0..<4, using: &rng)   // 0, 3: none; 1: fsync EIO; 2: disk full for a while
    let server: SimulatedServer
    do { server = try SimulatedServer(policy: policy) } catch { return "seed \(seed): first start failed: \(error)" }
    let (fs, layout, clock, engine, client, writer) = (server.fs, server.layout, server.clock, server.engine, server.client, server.writer)
    var liftCapacityAt = -1
    if fault == 1 { fs.failSync(after: Int.random(in: 0..<6, using: &rng)) }
    if fault == 2 {
        let used = (fs.size(layout.path("appendonly.aof.1.incr.aof")) ?? 0) + (fs.size(layout.manifestPath) ?? 0)
        fs.setCapacity(used + Int.random(in: 50...3000, using: &rng))
        liftCapacityAt = Int.random(in: 3...40, using: &rng)
    }

    // O(1) snapshots of the keyspace after each batch; decoded only when compared.
    var states = [engine.keyspace]
    var ackTimes: [Int64?] = [clock.now]
    var acked = 0
    var waiting: [(LogWriter.Barrier, Int)] = []
    var inflight: (job: SyncJob, covers: UInt64, due: Int)?
    var lastTicker = clock.now
    var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 0))
    var unique = 0

    func finishSync(_ f: (job: SyncJob, covers: UInt64, due: Int)) {
        var failure: FileSystemError?
        do { try f.job.run() } catch { failure = error }
        writer.syncFinished(covering: f.covers, error: failure, micros: 0, now: clock.now)
    }

    let ticks = Int.random(in: 5...60, using: &rng)
    for t in 1...ticks {
        clock.now += Int64.random(in: 1...400, using: &rng)
        if t == liftCapacityAt { fs.setCapacity(nil) }
        writer.retryUnwritten(now: clock.now)
        engine.writeRefusal = writer.refusal
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            unique += 1
            let key = "k\(Int.random(in: 0..<8, using: &rng))"
            let command: [String]
            switch Int.random(in: 0..<16, using: &rng) {
            case 9:
                // A transaction: its effects are logged as one MULTI … EXEC block.
                engine.execute(Arguments(strings: ["MULTI"]), client: client, into: &out)
                engine.execute(Arguments(strings: ["SET", key, "t\(unique)"]), client: client, into: &out)
                engine.execute(Arguments(strings: ["SELECT", String(Int.random(in: 0...1, using: &rng))]), client: client, into: &out)
                engine.execute(Arguments(strings: ["INCR", "n0"]), client: client, into: &out)
                command = ["EXEC"]
            case 0: command = ["DEL", key]
            case 1: command = ["INCR", "n\(Int.random(in: 0..<3, using: &rng))"]
            case 2: command = ["APPEND", key, "+\(unique)"]
            case 3: command = ["SET", key, "v\(unique)", "EX", "100000"]
            case 4: command = ["MSET", key, "m\(unique)", "k\(Int.random(in: 0..<8, using: &rng))", "w\(unique)"]
            case 5: command = ["SELECT", String(Int.random(in: 0...1, using: &rng))]
            case 6: command = ["INCRBYFLOAT", "f", "1.5"]
            case 7: command = ["EXPIRE", key, "100000"]
            case 10: command = ["HSET", "h\(Int.random(in: 0..<3, using: &rng))", "f\(Int.random(in: 0..<4, using: &rng))", "v\(unique)"]
            case 11:
                let hash = "h\(Int.random(in: 0..<3, using: &rng))"
                command = Bool.random(using: &rng) ? ["HDEL", hash, "f\(Int.random(in: 0..<4, using: &rng))"] : ["HINCRBY", hash, "c", "1"]
            case 12:
                let list = "l\(Int.random(in: 0..<3, using: &rng))"
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: command = ["RPUSH", list, "r\(unique)", "s\(unique)"]
                case 1: command = ["LPUSH", list, "p\(unique)"]
                case 2: command = ["LPOP", list, "2"]
                default: command = ["LMOVE", list, "l\(Int.random(in: 0..<3, using: &rng))", "LEFT", "RIGHT"]
                }
            case 13:
                let set = "s\(Int.random(in: 0..<3, using: &rng))"
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: command = ["SADD", set, "m\(Int.random(in: 0..<6, using: &rng))", "n\(unique)"]
                case 1: command = ["SREM", set, "m\(Int.random(in: 0..<6, using: &rng))"]
                case 2: command = ["SPOP", set, "2"]   // logged as the SREM of what it popped
                default: command = ["SUNIONSTORE", "s\(Int.random(in: 0..<3, using: &rng))", set, "s\(Int.random(in: 0..<3, using: &rng))"]
                }
            case 14:
                let zset = "z\(Int.random(in: 0..<3, using: &rng))"
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: command = ["ZADD", zset, "\(Int.random(in: -5..<5, using: &rng)).5", "m\(Int.random(in: 0..<6, using: &rng))"]
                case 1: command = ["ZINCRBY", zset, "0.1", "m\(Int.random(in: 0..<6, using: &rng))"]   // logged as ZADD of the result
                case 2: command = ["ZPOPMIN", zset, "2"]
                default: command = ["ZREMRANGEBYSCORE", zset, "-inf", "(0"]
                }
            case 15:
                // Streams and their groups: IDs from the clock, deliveries logged as XCLAIMs.
                let stream = "x\(Int.random(in: 0..<2, using: &rng))"
                let consumer = "c\(Int.random(in: 0..<2, using: &rng))"
                switch Int.random(in: 0..<7, using: &rng) {
                case 0: command = ["XADD", stream, "MAXLEN", Bool.random(using: &rng) ? "~" : "=", "30", "*", "f", "v\(unique)"]
                case 1: command = ["XADD", stream, "*", "a", "\(unique)", "b", "\(unique)"]
                case 2: command = ["XGROUP", "CREATE", stream, "g", "0", "MKSTREAM"]
                case 3: command = ["XREADGROUP", "GROUP", "g", consumer, "COUNT", "3", "STREAMS", stream, ">"]
                case 4: command = ["XAUTOCLAIM", stream, "g", consumer, "0", "0", "COUNT", "2"]
                case 5: command = ["EVAL", "local p = redis.call('xpending', KEYS[1], 'g', '-', '+', 2) for _, e in ipairs(p) do redis.call('xack', KEYS[1], 'g', e[1]) end return #p", "1", stream]
                default: command = ["XTRIM", stream, "MAXLEN", "5"]
                }
            default: command = ["SET", key, "v\(unique)"]
            }
            engine.execute(Arguments(strings: command), client: client, into: &out)
        }
        let barrier = writer.commit(engine.propagation.take(), now: clock.now)
        engine.writeRefusal = writer.refusal
        states.append(engine.keyspace)
        ackTimes.append(nil)
        let index = states.count - 1
        if let barrier { waiting.append((barrier, index)) }

        if let f = inflight, f.due <= t { finishSync(f); inflight = nil }
        let tickerDue = clock.now - lastTicker >= writer.interval
        if tickerDue { lastTicker = clock.now }
        if inflight == nil {
            let start = policy == .always ? writer.syncTarget() : (tickerDue ? writer.tick(now: clock.now) : nil)
            if let start { inflight = (start.job, start.covers, t + Int.random(in: 0...2, using: &rng)) }
        } else if tickerDue {
            _ = writer.tick(now: clock.now)   // counts a delayed fsync
        }
        if let f = inflight, f.due <= t { finishSync(f); inflight = nil }

        while let first = waiting.first, writer.isReleased(first.0) {
            acked = first.1
            ackTimes[first.1] = clock.now
            waiting.removeFirst()
        }
        if barrier == nil && waiting.isEmpty {
            acked = index
            ackTimes[index] = clock.now
        }
    }

    // Power loss, then a restart on what the disk kept.
    let after = fs.powerLoss(using: &rng)
    let recovered = Engine(clock: { clock.now })
    let client2 = recovered.connect(address: "replay", localAddress: "replay")
    var replyBuffer = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 0))
    do {
        let files = try LogFiles.open(fs: after, layout: layout)
        _ = try files.load(truncateTail: true) { (args: Arguments) throws(LogReader.ApplyError) in
            replyBuffer.buffer.clear()
            recovered.execute(args, client: client2, into: &replyBuffer)
            if replyBuffer.buffer.readableBytesView.first == UInt8(ascii: "-") {
                throw LogReader.ApplyError(String(buffer: replyBuffer.buffer))
            }
        }
    } catch {
        return "seed \(seed) (\(policy), fault \(fault)): restart failed: \(error)"
    }
    let state = contents(recovered, now: clock.now)
    guard let best = states.indices.reversed().first(where: { contents(states[$0], now: clock.now) == state }) else {
        return "seed \(seed) (\(policy), fault \(fault)): recovered state is not what any prefix of the writes gives: \(state)"
    }
    switch policy {
    case .always:
        if best < acked {
            return "seed \(seed) (always, fault \(fault)): acknowledged batch \(acked) lost; recovered up to \(best)"
        }
    case .everysec:
        // Lost acknowledged writes must have been acknowledged within about two seconds of
        // the moment the log stopped making data durable (the crash, or a failed fsync).
        let end = writer.brokenAt ?? clock.now
        for i in (best + 1)..<max(best + 1, acked + 1) {
            if let at = ackTimes[i], end - at > writer.maxLag + writer.interval + 800 {
                return "seed \(seed) (everysec, fault \(fault)): lost a write acknowledged \(end - at) ms before the end"
            }
        }
    case .no:
        break
    }
    return nil
}

@Suite struct CrashSimulationTests {
    /// Thousands of seeded power losses over random workloads, all three policies, with
    /// fsync failures and full disks: 10 chunks of 300 seeds (run in parallel), or more
    /// per chunk with CAIRN_CRASH_SEEDS=<per chunk>. A failing seed replays alone with
    /// CAIRN_CRASH_SEED=<n>.
    @Test(arguments: 0..<10)
    func everyPromiseHoldsAcrossPowerLosses(chunk: Int) {
        let environment = CommandLineEnvironment()
        let seeds: [UInt64]
        if let one = environment.value("CAIRN_CRASH_SEED").flatMap(UInt64.init) {
            seeds = chunk == 0 ? [one] : []
        } else {
            let perChunk = environment.value("CAIRN_CRASH_SEEDS").flatMap(Int.init) ?? 300
            seeds = (0..<perChunk).map { UInt64(chunk * perChunk + $0) }
        }
        var failures: [String] = []
        for seed in seeds {
            if let failure = runCrashScenario(seed: seed) { failures.append(failure) }
            if failures.count >= 5 { break }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func aFailedFsyncIsNeverAcknowledgedUnderAlways() throws {
        let fs = SimulatedFileSystem()
        fs.makeDurableDirectory("/data")
        let files = try LogFiles.open(fs: fs, layout: LogLayout(workingDirectory: "/data"))
        try files.openForAppending()
        let writer = LogWriter(files: files, policy: .always)
        fs.failSync(after: 0)
        let barrier = writer.commit(payload([["SET", "a", "1"]]), now: 1)
        #expect(barrier == .synced(1))
        let start = try #require(writer.syncTarget())
        var failure: FileSystemError?
        do { try start.job.run() } catch { failure = error }
        #expect(failure?.code == 5)  // EIO
        writer.syncFinished(covering: start.covers, error: failure, micros: 0, now: 2)
        #expect(!writer.isReleased(.synced(1)))
        #expect(writer.refusal?.hasPrefix("MISCONF") == true)
        // Not retried: no new fsync is offered, even though a retry would "succeed".
        #expect(writer.syncTarget() == nil)
    }

    @Test func aRewriteFromMemoryCuresAFailedFsync() throws {
        let fs = SimulatedFileSystem()
        fs.makeDurableDirectory("/data")
        let layout = LogLayout(workingDirectory: "/data")
        let engine = Engine()
        engine.propagation.isEnabled = true
        let client = engine.connect(address: "t", localAddress: "t")
        var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 0))
        let files = try LogFiles.open(fs: fs, layout: layout)
        try files.openForAppending()
        let writer = LogWriter(files: files, policy: .always)
        for i in 0..<10 { engine.execute(Arguments(strings: ["SET", "k\(i)", "v"]), client: client, into: &out) }
        fs.failSync(after: 0)
        writer.commit(engine.propagation.take(), now: 1)
        #expect(!writer.syncNow(now: 2))
        #expect(writer.refusal?.hasPrefix("MISCONF") == true)
        // The cure: a new base from memory replaces the suspect files.
        let plan = try files.startRewrite()
        let switchSeq = writer.writtenSeq
        let base = try BaseFileWriter(fs: fs, directory: layout.directory, name: plan.base.name)
        var encoder = SnapshotEncoder()
        try encoder.encode(engine.keyspace, now: 3) { try base.append($0) }
        try base.finish()
        try files.installBase(plan)
        writer.rewriteInstalled(upTo: switchSeq, now: 4)
        #expect(writer.refusal == nil)
        #expect(!writer.fsyncBroken)
        engine.execute(Arguments(strings: ["SET", "after", "1"]), client: client, into: &out)
        let barrier = writer.commit(engine.propagation.take(), now: 5)
        #expect(barrier != nil)
        #expect(writer.syncNow(now: 6))
        #expect(barrier.map(writer.isReleased) == true)
        // Everything is on disk, even what the failed fsync had lost.
        var rng = SplitMix64(state: 1)
        let after = fs.powerLoss(using: &rng)
        let reloaded = Engine()
        let loader = reloaded.connect(address: "r", localAddress: "r")
        _ = try LogFiles.open(fs: after, layout: layout).load(truncateTail: false) { (args: Arguments) throws(LogReader.ApplyError) in
            reloaded.execute(args, client: loader, into: &out)
        }
        #expect(reloaded.keyspace.databases[0].count == 11)
    }

    @Test func writeErrorsRefuseWritesAndResumeByThemselves() throws {
        let fs = SimulatedFileSystem()
        fs.makeDurableDirectory("/data")
        let layout = LogLayout(workingDirectory: "/data")
        let files = try LogFiles.open(fs: fs, layout: layout)
        try files.openForAppending()
        let writer = LogWriter(files: files, policy: .everysec)
        fs.setCapacity(0)
        let barrier = writer.commit(payload([["SET", "a", "1"]]), now: 1)
        #expect(barrier == .written(1))
        #expect(writer.refusal == "MISCONF Errors writing to the AOF file: No space left on device")
        #expect(!writer.retryUnwritten(now: 2))
        fs.setCapacity(nil)
        #expect(writer.retryUnwritten(now: 3))
        #expect(writer.refusal == nil)
        #expect(writer.isReleased(.written(1)))
    }
}

/// Reads environment variables without Foundation.
struct CommandLineEnvironment {
    func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }
}

#if canImport(Glibc)
import Glibc
#endif
