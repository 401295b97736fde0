import Testing
import CairnTestSupport
import NIOCore
import CairnProtocol
import CairnKeyspace
import CairnConfig
@testable import CairnCommands
@testable import CairnLog
import CairnLogTesting

/// A rewrite crashed at every step: before and after each write, fsync, rename,
/// directory fsync, manifest swap and delete. After each crash the directory loads, and
/// every acknowledged write (appendfsync always) is there.
@Suite struct RewriteCrashTests {
    struct Run {
        let fs: SimulatedFileSystem
        /// Contents after each acknowledged batch, and the recorded step from which each
        /// acknowledgement holds.
        var acknowledged: [(fromStep: Int, contents: [String: String])] = []
        var states: [Keyspace] = []
    }

    static func drive(seed: UInt64) throws -> Run {
        var rng = SplitMix64(state: seed)
        let server = try SimulatedServer(policy: .always)
        let (fs, layout, clock, engine, client, files, writer) =
            (server.fs, server.layout, server.clock, server.engine, server.client, server.files, server.writer)
        var run = Run(fs: fs)
        var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 0))

        /// One turn: a few writes, committed and fsynced (so acknowledged).
        func turn() {
            clock.now += 10
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let key = "k\(Int.random(in: 0..<20, using: &rng))"
                let command: [String]
                switch Int.random(in: 0..<7, using: &rng) {
                case 0: command = ["SET", key, "v\(clock.now)-\(Int.random(in: 0..<1000, using: &rng))", "EX", "100000"]
                case 1: command = ["INCR", "n"]
                case 3:
                    // Sets and sorted sets spanning several SADD/ZADD commands in the base.
                    command = ["SADD", "s\(Int.random(in: 0..<2, using: &rng))"] + (0..<Int.random(in: 1...90, using: &rng)).map { "m\($0)-\(clock.now)" }
                case 4:
                    command = ["ZADD", "z\(Int.random(in: 0..<2, using: &rng))"]
                        + (0..<Int.random(in: 1...90, using: &rng)).flatMap { ["\(Double($0) / 3)", "m\($0)"] }
                case 5:
                    // A stream of several nodes, read by a group, pending entries included.
                    let stream = "x\(Int.random(in: 0..<2, using: &rng))"
                    for i in 0..<Int.random(in: 1...25, using: &rng) {
                        engine.execute(Arguments(strings: ["XADD", stream, "*", "f", "\(i)"]), client: client, into: &out)
                    }
                    engine.execute(Arguments(strings: ["XGROUP", "CREATE", stream, "g", "0"]), client: client, into: &out)
                    command = ["XREADGROUP", "GROUP", "g", "c\(Int.random(in: 0..<3, using: &rng))", "COUNT",
                               "\(Int.random(in: 1...40, using: &rng))", "STREAMS", stream, ">"]
                case 2:
                    // Lists long enough to span several RPUSH commands in the base.
                    let elements = (0..<Int.random(in: 1...100, using: &rng)).map { "e\($0)-\(clock.now)" }
                    command = ["RPUSH", "l\(Int.random(in: 0..<3, using: &rng))"] + elements
                default:
                    // Hashes large enough to span several HSET commands in the base.
                    let pairs = (0..<Int.random(in: 1...100, using: &rng)).flatMap { ["f\($0)", "\(clock.now)"] }
                    command = ["HSET", "h\(Int.random(in: 0..<3, using: &rng))"] + pairs
                }
                engine.execute(Arguments(strings: command), client: client, into: &out)
            }
            writer.commit(engine.propagation.take(), now: clock.now)
            #expect(writer.syncNow(now: clock.now))
            run.acknowledged.append((fs.recordedSteps, contents(engine, now: clock.now)))
            run.states.append(engine.keyspace)
        }

        for _ in 0..<Int.random(in: 3...15, using: &rng) { turn() }
        fs.startRecording()
        run.acknowledged.append((0, contents(engine, now: clock.now)))
        // The rewrite, step by step, as Persistence runs it, with writes in between.
        #expect(writer.syncNow(now: clock.now))
        let plan = try files.startRewrite()
        let switchSeq = writer.writtenSeq
        let snapshot = engine.keyspace
        for _ in 0..<Int.random(in: 0...4, using: &rng) { turn() }
        let base = try BaseFileWriter(fs: fs, directory: layout.directory, name: plan.base.name)
        var encoder = SnapshotEncoder()
        try encoder.encode(snapshot, now: clock.now) { chunk in try base.append(chunk) }
        for _ in 0..<Int.random(in: 0...3, using: &rng) { turn() }
        try base.finish()
        try files.installBase(plan)
        writer.rewriteInstalled(upTo: switchSeq, now: clock.now)
        for _ in 0..<Int.random(in: 0...3, using: &rng) { turn() }
        return run
    }

    @Test(arguments: 0..<8)
    func everyStepOfARewriteSurvivesAPowerLoss(chunk: Int) throws {
        for seed in UInt64(chunk * 25)..<UInt64(chunk * 25 + 25) {
            let run = try Self.drive(seed: seed)
            var rng = SplitMix64(state: seed &* 31)
            for step in 0..<run.fs.recordedSteps {
                let required = run.acknowledged.last { $0.fromStep <= step }?.contents ?? [:]
                for _ in 0..<3 {
                    let after = run.fs.recordedState(step).powerLoss(using: &rng)
                    let clock = SimulatedClock()
                    clock.now += 1_000_000
                    let engine = Engine(clock: { clock.now })
                    let client = engine.connect(address: "replay", localAddress: "replay")
                    var reply = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 0))
                    do {
                        let files = try LogFiles.open(fs: after, layout: LogLayout(workingDirectory: "/data"))
                        _ = try files.load(truncateTail: true) { (args: Arguments) throws(LogReader.ApplyError) in
                            engine.execute(args, client: client, into: &reply)
                        }
                    } catch {
                        Issue.record("seed \(seed) step \(step): restart failed: \(error)")
                        return
                    }
                    let recovered = contents(engine, now: clock.now)
                    // Every acknowledged write is there: the state is the one acknowledged
                    // at this step or a later one.
                    let later = run.acknowledged.filter { $0.fromStep >= 0 }.map(\.contents)
                    guard recovered == required || later.contains(recovered) else {
                        Issue.record("seed \(seed) step \(step): recovered \(recovered.count) keys, expected the acknowledged state \(required.count) keys")
                        return
                    }
                    if let index = later.firstIndex(of: recovered), let need = later.firstIndex(of: required), index < need {
                        Issue.record("seed \(seed) step \(step): an acknowledged write was lost")
                        return
                    }
                }
            }
        }
    }

    @Test func aRewriteShrinksTheLogAndKeepsDataAndTTLs() throws {
        let server = try SimulatedServer(policy: .no)
        let (fs, layout, clock, engine, client, files, writer) =
            (server.fs, server.layout, server.clock, server.engine, server.client, server.files, server.writer)
        var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 0))
        var expected: [String: String] = [:]
        for round in 0..<200 {
            for k in 0..<20 {
                let value = "value-\(round)-\(k)"
                engine.execute(Arguments(strings: ["SET", "key\(k)", value, "PXAT", String(clock.now + 3_600_000 + Int64(k))]),
                               client: client, into: &out)
                expected["0:key\(k)"] = value
            }
            writer.commit(engine.propagation.take(), now: clock.now)
        }
        let before = files.totalSize
        let plan = try files.startRewrite()
        let base = try BaseFileWriter(fs: fs, directory: layout.directory, name: plan.base.name)
        var encoder = SnapshotEncoder()
        try encoder.encode(engine.keyspace, now: clock.now) { try base.append($0) }
        try base.finish()
        try files.installBase(plan)
        #expect(encoder.keysWritten == 20)
        let after = files.totalSize
        #expect(after * 10 <= before, "rewrite must shrink by 90%: \(before) → \(after) bytes")
        #expect(fs.list("/data/appendonlydir") == [plan.base.name, plan.increment.name, "appendonly.aof.manifest"])
        // Reload and compare against the expected state, TTLs included.
        let reloaded = Engine(clock: { clock.now })
        let loader = reloaded.connect(address: "r", localAddress: "r")
        _ = try LogFiles.open(fs: fs, layout: layout).load(truncateTail: false) { (args: Arguments) throws(LogReader.ApplyError) in
            reloaded.execute(args, client: loader, into: &out)
        }
        #expect(contents(reloaded, now: clock.now) == expected)
        for k in 0..<20 {
            let entry = reloaded.keyspace.databases[0].peek(Key("key\(k)"))
            #expect(entry?.expireAt == clock.now + 3_600_000 + Int64(k))
        }
    }
}
