import Testing
@testable import CairnCommands

@Suite struct KeyCommandsTests {
    @Test func delExistsTouchType() {
        let h = Harness()
        h.run("MSET", "a", "1", "b", "2")
        #expect(h.run("EXISTS", "a", "a", "b", "c") == .integer(3))
        #expect(h.run("TOUCH", "a", "c") == .integer(1))
        #expect(h.run("TYPE", "a") == .simple("string"))
        #expect(h.run("TYPE", "c") == .simple("none"))
        #expect(h.run("DEL", "a", "c", "a") == .integer(1))
        #expect(h.run("UNLINK", "b") == .integer(1))
        #expect(h.run("DBSIZE") == .integer(0))
    }

    @Test func keysMatchesPatterns() {
        let h = Harness()
        h.run("MSET", "user:1", "a", "user:2", "b", "order:1", "c")
        #expect(Set(h.run("KEYS", "*").stringElements) == ["user:1", "user:2", "order:1"])
        #expect(Set(h.run("KEYS", "user:*").stringElements) == ["user:1", "user:2"])
        #expect(h.run("KEYS", "*:1").stringElements.sorted() == ["order:1", "user:1"])
        #expect(h.run("KEYS", "nothing*") == .array([]))
    }

    func fullScan(_ h: Harness, _ extra: [String] = []) -> (keys: [String], error: Reply?) {
        var cursor = "0"
        var keys: [String] = []
        repeat {
            let reply = h.run(["SCAN", cursor] + extra)
            guard case .array(let parts?) = reply, parts.count == 2, case .bulk(let next?) = parts[0] else { return (keys, reply) }
            keys += parts[1].stringElements
            cursor = next
        } while cursor != "0"
        return (keys, nil)
    }

    @Test func scanVisitsEveryKeyOnceWhenNothingChanges() {
        let h = Harness()
        for i in 0..<2500 { h.run("SET", "key:\(i)", "v") }
        h.run("SET", "other", "v")
        let all = fullScan(h)
        #expect(all.error == nil)
        #expect(all.keys.count == 2501)
        #expect(Set(all.keys).count == 2501)
        let matched = fullScan(h, ["MATCH", "key:1*", "COUNT", "100"])
        #expect(Set(matched.keys) == Set((0..<2500).map { "key:\($0)" }.filter { $0.hasPrefix("key:1") }))
        #expect(fullScan(h, ["TYPE", "string"]).keys.count == 2501)
        #expect(fullScan(h, ["TYPE", "hash"]).keys.isEmpty)
    }

    @Test func scanRejectsBadArguments() {
        let h = Harness()
        #expect(h.run("SCAN", "x") == .error("ERR invalid cursor"))
        #expect(h.run("SCAN", " 1") == .error("ERR invalid cursor"))
        #expect(h.run("SCAN", "18446744073709551616") == .error("ERR invalid cursor"))
        #expect(h.run("SCAN", "-1") == .array([.str("0"), .array([])]))
        #expect(h.run("SCAN", "0", "COUNT", "0") == .error("ERR syntax error"))
        #expect(h.run("SCAN", "0", "COUNT", "x") == .error("ERR value is not an integer or out of range"))
        #expect(h.run("SCAN", "0", "MATCH") == .error("ERR syntax error"))
        #expect(h.run("SCAN", "0", "FOO", "bar") == .error("ERR syntax error"))
        #expect(h.run("SCAN", "0") == .array([.str("0"), .array([])]))
    }

    @Test func randomKey() {
        let h = Harness()
        #expect(h.run("RANDOMKEY") == .null)
        h.run("SET", "only", "v")
        #expect(h.run("RANDOMKEY") == .str("only"))
    }

    @Test func renameMovesValueAndTTL() {
        let h = Harness()
        #expect(h.run("RENAME", "none", "x") == .error("ERR no such key"))
        h.run("SET", "a", "1", "EX", "50")
        h.run("SET", "b", "2")
        #expect(h.run("RENAME", "a", "a") == .ok)
        #expect(h.run("RENAMENX", "a", "a") == .integer(0))
        #expect(h.run("RENAMENX", "a", "b") == .integer(0))
        #expect(h.run("RENAME", "a", "b") == .ok)
        #expect(h.run("GET", "b") == .str("1"))
        #expect(h.run("TTL", "b") == .integer(50))
        #expect(h.run("EXISTS", "a") == .integer(0))
        #expect(h.run("RENAMENX", "b", "c") == .integer(1))
    }

    @Test func copyAcrossDatabases() {
        let h = Harness()
        h.run("SET", "src", "v", "EX", "30")
        #expect(h.run("COPY", "src", "src") == .error("ERR source and destination objects are the same"))
        #expect(h.run("COPY", "src", "dst") == .integer(1))
        #expect(h.run("COPY", "src", "dst") == .integer(0))
        #expect(h.run("COPY", "src", "dst", "REPLACE") == .integer(1))
        #expect(h.run("TTL", "dst") == .integer(30))
        #expect(h.run("COPY", "src", "src", "DB", "3") == .integer(1))
        #expect(h.run("COPY", "src", "x", "DB", "16") == .error("ERR DB index is out of range"))
        #expect(h.run("COPY", "src", "x", "DB", "a") == .error("ERR value is not an integer or out of range"))
        #expect(h.run("COPY", "src", "x", "DB") == .error("ERR syntax error"))
        #expect(h.run("COPY", "none", "x") == .integer(0))
        h.run("SELECT", "3")
        #expect(h.run("GET", "src") == .str("v"))
    }
}

@Suite struct ExpireCommandsTests {
    @Test func expireSetsAndReportsTTL() {
        let h = Harness()
        #expect(h.run("EXPIRE", "none", "10") == .integer(0))
        h.run("SET", "k", "v")
        #expect(h.run("TTL", "k") == .integer(-1))
        #expect(h.run("TTL", "none") == .integer(-2))
        #expect(h.run("EXPIRE", "k", "10") == .integer(1))
        #expect(h.run("TTL", "k") == .integer(10))
        #expect(h.run("PTTL", "k") == .integer(10_000))
        #expect(h.run("EXPIRETIME", "k") == .integer((h.now + 10_000 + 500) / 1000))
        #expect(h.run("PEXPIRETIME", "k") == .integer(h.now + 10_000))
        #expect(h.run("PEXPIRE", "k", "2500") == .integer(1))
        #expect(h.run("TTL", "k") == .integer(3))
        #expect(h.run("EXPIREAT", "k", String(h.now / 1000 + 100)) == .integer(1))
        #expect(h.run("TTL", "k") == .integer(100))
        #expect(h.run("PERSIST", "k") == .integer(1))
        #expect(h.run("PERSIST", "k") == .integer(0))
        #expect(h.run("TTL", "k") == .integer(-1))
    }

    @Test func expireOptions() {
        let h = Harness()
        h.run("SET", "k", "v")
        #expect(h.run("EXPIRE", "k", "10", "XX") == .integer(0))
        #expect(h.run("EXPIRE", "k", "10", "GT") == .integer(0))
        #expect(h.run("EXPIRE", "k", "10", "LT") == .integer(1))
        #expect(h.run("EXPIRE", "k", "20", "NX") == .integer(0))
        #expect(h.run("EXPIRE", "k", "20", "GT") == .integer(1))
        #expect(h.run("EXPIRE", "k", "5", "GT") == .integer(0))
        #expect(h.run("EXPIRE", "k", "5", "LT") == .integer(1))
        #expect(h.run("EXPIRE", "k", "5", "XX") == .integer(1))
        #expect(h.run("EXPIRE", "k", "5", "NX", "XX") == .error("ERR NX and XX, GT or LT options at the same time are not compatible"))
        #expect(h.run("EXPIRE", "k", "5", "GT", "LT") == .error("ERR GT and LT options at the same time are not compatible"))
        #expect(h.run("EXPIRE", "k", "5", "FOO") == .error("ERR Unsupported option FOO"))
        #expect(h.run("EXPIRE", "k", "x") == .error("ERR value is not an integer or out of range"))
        #expect(h.run("EXPIRE", "k", "9223372036854775807") == .error("ERR invalid expire time in 'expire' command"))
        #expect(h.run("PEXPIRE", "k", "9223372036854775807") == .error("ERR invalid expire time in 'pexpire' command"))
    }

    @Test func aPastExpiryDeletesTheKey() {
        let h = Harness()
        h.run("SET", "k", "v")
        #expect(h.run("EXPIRE", "k", "-1") == .integer(1))
        #expect(h.run("EXISTS", "k") == .integer(0))
        h.run("SET", "k", "v")
        #expect(h.run("PEXPIREAT", "k", "1") == .integer(1))
        #expect(h.run("EXISTS", "k") == .integer(0))
    }

    @Test func keysExpireLazilyWhenTimePasses() {
        let h = Harness()
        h.run("SET", "k", "v", "PX", "100")
        #expect(h.run("GET", "k") == .str("v"))
        h.now += 99
        #expect(h.run("PTTL", "k") == .integer(1))
        h.now += 1
        #expect(h.run("GET", "k") == .null)
        #expect(h.run("DBSIZE") == .integer(0))
    }

    @Test func activeExpiryReclaimsKeysNobodyReads() {
        let h = Harness()
        for i in 0..<1000 { h.run("SET", "t\(i)", "v", "PX", "50") }
        for i in 0..<100 { h.run("SET", "p\(i)", "v") }
        #expect(h.run("DBSIZE") == .integer(1100))
        h.now += 60
        var removed = 0
        for _ in 0..<100 where removed < 1000 { removed += h.engine.activeExpireCycle(budget: 25) }
        #expect(removed == 1000)
        #expect(h.run("DBSIZE") == .integer(100))
        #expect(h.engine.keyspace.databases[0].volatileCount == 0)
    }
}
