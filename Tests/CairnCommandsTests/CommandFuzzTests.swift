import Foundation
import Testing
import CairnTestSupport
import NIOCore
import CairnProtocol
import CairnConfig
@testable import CairnKeyspace
@testable import CairnCommands

/// The command-layer fuzzer: every command in the table, with arguments drawn from
/// boundary values, option words and keys of every type, in and out of MULTI, against a
/// live engine. The process must never trap (a trap fails the whole test run), every
/// reply must be well-formed RESP, the engine's counters must match its contents, and
/// the effects it logged must rebuild the same dataset on a second engine.
///
/// `CAIRN_FUZZ_ITERATIONS` (default 40,000 per seed) and `CAIRN_FUZZ_SEED` run it longer
/// or replay one seed; see docs/reliability.md.
@Suite struct CommandFuzzTests {
    /// Numbers at the edges: the ones overflow hides behind.
    static let numbers = [
        "0", "1", "-1", "2", "-2", "3", "10", "100", "1000",
        "9223372036854775807", "9223372036854775806", "-9223372036854775808", "-9223372036854775807",
        "9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
        "4294967296", "4294967295", "2147483647", "2147483648", "-2147483648", "-2147483649",
        "9007199254740992", "9007199254740993", "-9007199254740992",
        "536870911", "536870912", "536870913", "1048575", "1048576", "1048577", "1073741824",
        "1e308", "-1e308", "1e309", "2.5e-324", "inf", "-inf", "+inf", "infinity", "nan", "-nan",
        "1.5", "-1.5", "0.0", "-0", "+1", "01", "0x10", " 1", "1 ", "", "abc", "17179869184",
        "999999999999999999999999999999", "-0.0000000000001", "3.4028236692093846e+38",
    ]
    static let words = [
        "NX", "XX", "GT", "LT", "EX", "PX", "EXAT", "PXAT", "KEEPTTL", "GET", "PERSIST", "COUNT", "MATCH",
        "TYPE", "ID", "ADDR", "LADDR", "USER", "SKIPME", "YES", "NO", "ON", "OFF", "SKIP", "NORMAL", "MASTER",
        "REPLICA", "SLAVE", "PUBSUB", "REPLACE", "DB", "ASYNC", "SYNC", "WITHVALUES", "LIMIT", "SETNAME",
        "AUTH", "default", "string", "hash", "list", "BYSCORE", "BYLEX", "REV", "WITHSCORES", "CH", "INCR",
        "MIN", "MAX", "(1", "[a", "(a", "-", "+", "(inf", "AGGREGATE", "WEIGHTS", "LEFT", "RIGHT", "*", "?", "[", "[a-", "\\", "*a*b*c*d*e*", "server",
        "keyspace", "all", "everything", "persistence", "appendfsync", "always", "everysec", "no",
        "1s", "0ms", "9999999999999999h", "9223372036854775807ms", "-1s", "100mb", "99999999999999999999gb",
        "-1gb", "1kb", "4gb", "8589934592gb", "0.5", "3", "2",
        "BY", "ALPHA", "DESC", "ASC", "STORE", "#", "n*", "h*->f", "*->", "nosort", "ENCODING", "REFCOUNT",
        // Script bodies: EVAL runs them with whatever keys and arguments follow.
        "return redis.call('get', KEYS[1])", "return redis.pcall(unpack(ARGV))", "return redis.call(unpack(ARGV))",
        "redis.call('set', KEYS[1], ARGV[1]) return redis.call('incr', KEYS[1])", "return {1, 'a', {2, {err='x'}}}",
        "redis.setresp(3) return redis.pcall(unpack(ARGV))", "return redis.call('rpush', KEYS[1], unpack(ARGV))",
        "#!lua flags=no-writes\nreturn redis.pcall(unpack(ARGV))", "error({err='e'})", "while true do end",
        "return math.random(tonumber(ARGV[1]) or 1)", "return {double=tonumber(ARGV[1])}",
        "#!lua name=fz\nredis.register_function('fz', function(keys, args) return redis.pcall(unpack(args)) end)",
        "#!lua name=fz\nredis.register_function{function_name='fz', callback=function(k, a) return redis.call('get', k[1]) end, flags={'no-writes'}}",
        "fz", "LOAD", "FLUSH", "APPEND",
        // Streams.
        "MAXLEN", "MINID", "~", "=", "NOMKSTREAM", "1-1", "0-0", "1-*", "(1-0", "(+", "18446744073709551615-18446744073709551615",
        "ENTRIESADDED", "MAXDELETEDID", "st", "GROUP", "STREAMS", "BLOCK", "NOACK", "JUSTID", "FORCE", "IDLE", "TIME",
        "RETRYCOUNT", "LASTID", "MKSTREAM", "ENTRIESREAD", "FULL", "CONSUMERS", "GROUPS", ">", "$", "g", "c",
        // ACL rules (the fuzzing client runs as user fz, reset to everything every 50 steps).
        "fz", "nopass", "resetpass", ">pw", "<pw", "pw", "allkeys", "resetkeys", "allchannels", "resetchannels",
        "~s*", "%R~*", "%W~l", "%RW~h", "&ch*", "+@all", "-@all", "+@read", "-@write", "-@keyspace", "+get",
        "-set", "+client|id", "+select|0", "reset", "allcommands", "nocommands", "skip-sanitize-payload",
    ]
    static let keys = ["s", "n", "h", "v", "far", "l", "set", "z", "st", "missing", "f", "{t}x", ""]

    @Test(arguments: [1, 2, 3] as [UInt64])
    func everyCommandSurvivesBoundaryArguments(seed base: UInt64) {
        let env = ProcessInfo.processInfo.environment
        let seed = (env["CAIRN_FUZZ_SEED"].flatMap(UInt64.init) ?? 0) &* 1000 &+ base
        let iterations = env["CAIRN_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 40_000
        var rng = SplitMix64(state: seed)
        // The smallest proto-max-bulk-len, so strings at the limit stay cheap to build.
        var settings = Settings()
        settings.protoMaxBulkLen = 1024 * 1024
        let primary = Harness(settings: settings, recording: true)
        let replica = Harness(settings: settings)
        primary.engine.memoryUsed = { [unowned engine = primary.engine] in
            engine.keyspace.databases.reduce(0) { $0 + $1.count } * 1000
        }
        var specs: [CommandSpec] = []
        for spec in primary.engine.table.all where spec.name != "shutdown" {
            specs.append(spec)
            specs.append(contentsOf: spec.subcommands)
        }
        let directives = Directives.all.map(\.name)
        let long = String(repeating: "x", count: 70_000)

        func argument() -> String {
            switch Int.random(in: 0..<20, using: &rng) {
            case 0..<6: return Self.keys.randomElement(using: &rng)!
            case 6..<12: return Self.numbers.randomElement(using: &rng)!
            case 12..<17: return Self.words.randomElement(using: &rng)!
            case 17: return directives.randomElement(using: &rng)!
            case 18: return Int.random(in: 0..<4, using: &rng) == 0 ? long : "v\(Int.random(in: 0..<100, using: &rng))"
            default: return String(Int64.random(in: Int64.min...Int64.max, using: &rng))
            }
        }

        var ran = 0
        var mostEvicted = 0
        var timings: [String: UInt64] = [:]
        defer { if env["CAIRN_FUZZ_PROFILE"] != nil { print(timings.sorted { $0.value > $1.value }.prefix(8)) } }
        for step in 0..<iterations {
            // Keep keys of every type around.
            if step % 50 == 0 {
                primary.run("SET", "s", "hello")
                primary.run("SET", "n", "12")
                primary.run("HSET", "h", "f", "1", "g", "2.5")
                primary.run("SET", "v", "x", "PX", "150")
                primary.run("SET", "far", "1")
                primary.run("PEXPIREAT", "far", "9223372036854775807")
                primary.run("RPUSH", "l", "a", "b", "c", "1", "2")
                primary.run("SADD", "set", "a", "b", "1", "-5")
                primary.run("ZADD", "z", "1", "a", "2.5", "b", "-inf", "c", "1", "d")
                primary.run("XADD", "st", "*", "f", "v", "g", "w")
                primary.run("XGROUP", "CREATE", "st", "g", "0")
                primary.run("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "st", ">")
                // Commands run as an ACL user, so the permission checks see fuzzed rules.
                primary.run("ACL", "SETUSER", "fz", "reset", "on", "nopass", "~*", "&*", "+@all")
                primary.client.user = primary.engine.access.user(named: "fz")
                primary.client.authenticated = true
                // Sometimes a memory limit of a few dozen keys (1 KB each, as the engine
                // is told here) under a random policy, so evictions run among the commands.
                let limit = [0, 0, 0, 4_000, 9_000].randomElement(using: &rng)!
                primary.run("CONFIG", "SET", "maxmemory", String(limit), "maxmemory-policy",
                            Settings.MaxmemoryPolicy.allCases.randomElement(using: &rng)!.rawValue)
            }
            let spec = specs.randomElement(using: &rng)!
            var parts = spec.name.split(separator: "|").map(String.init)
            let wanted: Int
            if Int.random(in: 0..<10, using: &rng) == 0 {
                wanted = Int.random(in: 1...8, using: &rng)
            } else if spec.arity >= 0 {
                wanted = spec.arity
            } else {
                wanted = -spec.arity + Int.random(in: 0...5, using: &rng)
            }
            while parts.count < wanted { parts.append(argument()) }
            if parts.count > wanted && wanted >= 1 { parts = Array(parts.prefix(wanted)) }
            primary.now += Int64.random(in: 0...40, using: &rng)
            if Int.random(in: 0..<500, using: &rng) == 0 { primary.engine.activeExpireCycle(budget: 5) }

            let started = DispatchTime.now().uptimeNanoseconds
            let replies = primary.runAll(parts)
            if env["CAIRN_FUZZ_PROFILE"] != nil { timings[spec.name, default: 0] += DispatchTime.now().uptimeNanoseconds - started }
            #expect(replies != nil, "malformed reply to \(parts.map { $0.prefix(40) })")
            mostEvicted = max(mostEvicted, primary.engine.stats.evictedKeys)   // CONFIG RESETSTAT zeroes it
            ran += 1
            // As a connection would: a parked client waits (here: is unblocked at once), and
            // a subscribed one leaves its channels, so the run keeps reaching every command.
            if primary.client.state.isBlocked {
                // Parked by CLIENT PAUSE (the pause ends), or on keys (CLIENT UNBLOCK).
                primary.engine.releasePausedClients(now: primary.now)
                if primary.client.state.isBlocked {
                    #expect(primary.engine.unblockClient(primary.client.id, asError: false))
                }
            }
            if case .monitoring = primary.client.state { primary.engine.stopMonitoring(primary.client) }
            if primary.client.subscriptions.total > 0 {
                for command in ["UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"] { _ = primary.runAll([command]) }
                #expect(primary.client.subscriptions.total == 0 && primary.engine.pubsubCounts == (0, 0, 0))
            }

            // The log's view: the effects so far rebuild the same dataset.
            replica.now = primary.now
            for effect in primary.effects() { _ = replica.runAll(effect) }
            if step % 997 == 0 || step == iterations - 1 {
                checkInvariants(primary.engine, now: primary.now)
                #expect(snapshot(primary.engine, now: primary.now) == snapshot(replica.engine, now: primary.now),
                        "seed \(seed) step \(step): replaying the effects gave a different dataset (after \(parts.map { $0.prefix(40) }))")
            }
        }
        #expect(ran == iterations)
        // The memory limits set now and then did make the engine evict (and the replayed
        // effects above matched with those evictions in them).
        if iterations >= 10_000 { #expect(mostEvicted > 0) }
    }

    /// Found by this fuzzer: an expiry at Int64.max trapped EXPIRETIME's rounding and
    /// INFO's average TTL; SETRANGE's offset check overflowed.
    @Test func extremeValuesThatOnceTrapped() {
        let h = Harness()
        h.run("SET", "far", "1")
        #expect(h.run("PEXPIREAT", "far", "9223372036854775807") == .integer(1))
        #expect(h.run("EXPIRETIME", "far") == .integer(9_223_372_036_854_776))
        #expect(h.run("PEXPIRETIME", "far") == .integer(Int64.max))
        guard case .bulk(let info?) = h.run("INFO", "keyspace") else { Issue.record("INFO"); return }
        #expect(info.contains("db0:keys=1,expires=1,avg_ttl="))
        #expect(h.run("SETRANGE", "k", "9223372036854775807", "x") == .error("ERR string exceeds maximum allowed size (proto-max-bulk-len)"))
        #expect(h.run("SELECT", "4294967296") == .error("ERR value is out of range, value must between -2147483648 and 2147483647"))
    }

    /// Counters the engine keeps agree with what it holds.
    func checkInvariants(_ engine: Engine, now: Int64) {
        for (index, db) in engine.keyspace.databases.enumerated() {
            var count = 0, volatile = 0
            for (p, page) in db.segments.pages.enumerated() {
                #expect(page.reduce(0) { $0 + $1.count } == db.pageCounts[p], "db \(index): page \(p)'s key count")
                for segment in page {
                    #expect(segment.indexIsConsistent, "db \(index): a segment's position table is out of step")
                    for (_, entry) in segment {
                        count += 1
                        if entry.isVolatile { volatile += 1 }
                        if case .hash(let fields) = entry.value { #expect(!fields.isEmpty, "db \(index): an empty hash is stored") }
                    }
                }
            }
            #expect(count == db.count, "db \(index): count \(db.count) but \(count) entries")
            #expect(volatile == db.volatileCount, "db \(index): volatileCount \(db.volatileCount) but \(volatile) volatile entries")
        }
    }

    func snapshot(_ engine: Engine, now: Int64) -> [String] {
        var out: [String] = []
        for (index, db) in engine.keyspace.databases.enumerated() where db.count > 0 {
            db.forEachLiveKey(now: now) { key, entry in
                // A set's members in sorted order: their positions are no part of its value.
                let value: String
                if case .set(let members) = entry.value {
                    value = "set(\(members.map(\.description).sorted()))"
                } else if case .zset(let members) = entry.value {
                    value = "zset(\(members.allEntries.map { "\($0.member)=\($0.score)" }))"
                } else {
                    value = "\(entry.value)"
                }
                out.append("\(index) \(key.bytes) \(value.prefix(200)) \(value.count) \(entry.expireAt)")
            }
        }
        return out.sorted()
    }
}

extension Harness {
    /// Runs one request and parses every reply it wrote (none under CLIENT REPLY OFF);
    /// nil when the output is not well-formed RESP.
    func runAll(_ parts: [String]) -> [Reply]? {
        var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 0))
        engine.execute(Arguments(strings: parts), client: client, into: &out)
        var replies: [Reply] = []
        while out.buffer.readableBytes > 0 {
            guard let reply = Reply.parse(&out.buffer) else { return nil }
            replies.append(reply)
        }
        return replies
    }

    func runAll(_ parts: [String]...) -> [Reply]? { runAll(parts[0]) }
}

