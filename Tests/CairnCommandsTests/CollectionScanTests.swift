import Testing
import CairnTestSupport
@testable import CairnCommands

/// HSCAN, SSCAN and ZSCAN over collections too large to answer whole: SCAN's guarantee
/// (every element present for the whole iteration is returned at least once) while the
/// collection is changed between calls — removals, additions, score changes.
@Suite struct CollectionScanTests {
    enum Kind: String, CaseIterable { case hash, set, zset }

    func fill(_ h: Harness, _ kind: Kind, _ n: Int) {
        for i in 0..<n {
            switch kind {
            case .hash: h.run("HSET", "k", "f\(i)", "v")
            case .set: h.run("SADD", "k", "m\(i)")
            case .zset: h.run("ZADD", "k", String(i % 7), "m\(i)")
            }
        }
    }

    /// One call; returns the next cursor and the members (fields) returned.
    func step(_ h: Harness, _ kind: Kind, _ cursor: String, count: Int) -> (String, [String]) {
        let command = ["hash": "HSCAN", "set": "SSCAN", "zset": "ZSCAN"][kind.rawValue]!
        let reply = h.run([command, "k", cursor, "COUNT", String(count)])
        guard case .array(let parts?) = reply, parts.count == 2, case .bulk(let next?) = parts[0] else {
            Issue.record("malformed \(reply)"); return ("0", [])
        }
        let items = parts[1].stringElements
        let names = kind == .set ? items : stride(from: 0, to: items.count, by: 2).map { items[$0] }
        return (next, names)
    }

    @Test(arguments: Kind.allCases)
    func pagesCoverEverythingPresentThroughoutWhileItChanges(kind: Kind) {
        let h = Harness()
        fill(h, kind, 2000)
        var rng = SplitMix64(state: 7)
        var removed = Set<String>()
        var seen = Set<String>()
        var cursor = "0"
        var calls = 0
        repeat {
            let (next, names) = step(h, kind, cursor, count: 50)
            #expect(names.count <= 60, "a page of about COUNT elements, not the whole collection")
            seen.formUnion(names)
            cursor = next
            calls += 1
            // Between calls: remove some, add some, move some scores.
            for _ in 0..<10 {
                let victim = "\(kind == .hash ? "f" : "m")\(Int.random(in: 0..<2000, using: &rng))"
                removed.insert(victim)
                switch kind {
                case .hash: h.run("HDEL", "k", victim)
                case .set: h.run("SREM", "k", victim)
                case .zset: h.run("ZREM", "k", victim)
                }
            }
            let added = "new\(calls)"
            switch kind {
            case .hash: h.run("HSET", "k", added, "v")
            case .set: h.run("SADD", "k", added)
            case .zset:
                h.run("ZADD", "k", "3", added)
                h.run("ZINCRBY", "k", "-100", "m\(Int.random(in: 0..<2000, using: &rng))")
            }
        } while cursor != "0" && calls < 1000
        #expect(cursor == "0")
        #expect(calls > 10, "the walk is paged")
        let prefix = kind == .hash ? "f" : "m"
        let survivors = Set((0..<2000).map { "\(prefix)\($0)" }).subtracting(removed)
        #expect(survivors.isSubset(of: seen), "missed \(survivors.subtracting(seen).prefix(5))")
    }

    /// As Redis answers its listpacks and intsets.
    @Test(arguments: Kind.allCases)
    func compactCollectionsAnswerWholeInOneCall(kind: Kind) {
        let h = Harness()
        if kind == .set {
            for i in 0..<100 { h.run("SADD", "k", String(i)) }
        } else {
            fill(h, kind, 100)
        }
        let (cursor, names) = step(h, kind, "0", count: 10)
        #expect(cursor == "0")
        #expect(names.count == 100)
    }
}
