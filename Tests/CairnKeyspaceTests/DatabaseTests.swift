import Testing
@testable import CairnKeyspace

func string(_ s: String) -> Value { .string(ByteString(s)) }

@Suite struct DatabaseTests {
    @Test func setLookupRemoveKeepCounts() {
        var db = Database()
        db.set(Key("a"), Entry(value: string("1")), now: 0)
        db.set(Key("b"), Entry(value: string("2"), expireAt: 5000), now: 0)
        #expect(db.count == 2)
        #expect(db.volatileCount == 1)
        db.set(Key("b"), Entry(value: string("3")), now: 0)
        #expect(db.volatileCount == 0)
        let b = db.lookup(Key("b"), now: 0)
        #expect(b?.value == string("3"))
        let first = db.remove(Key("a"))
        #expect(first != nil)
        let second = db.remove(Key("a"))
        #expect(second == nil)
        #expect(db.count == 1)
    }

    @Test func prefetchChangesNothingForAnyKey() {
        var db = Database()
        db.prefetch(Key("before any segment exists"))
        #expect(db.count == 0)
        let keys = [Key(""), Key("a"), Key(String(repeating: "k", count: 1000))] + (0..<2000).map { Key("key:\($0)") }
        for (i, key) in keys.enumerated() where i % 2 == 0 { db.set(key, Entry(value: string("v")), now: 0) }
        let snapshot = db
        for key in keys { db.prefetch(key) }
        #expect(db.count == snapshot.count)
        for (i, key) in keys.enumerated() {
            #expect((db.lookup(key, now: 0, touch: false) != nil) == (i % 2 == 0))
        }
    }

    @Test func lookupExpiresLazilyAndRecordsTheKey() {
        var db = Database()
        db.set(Key("k"), Entry(value: string("v"), expireAt: 1000), now: 0)
        let before = db.lookup(Key("k"), now: 999)
        #expect(before != nil)
        let after = db.lookup(Key("k"), now: 1000)
        #expect(after == nil)
        #expect(db.count == 0)
        #expect(db.volatileCount == 0)
        #expect(db.expiredTotal == 1)
        let drained = db.drainExpiredKeys()
        #expect(drained == [Key("k")])
        let again = db.drainExpiredKeys()
        #expect(again.isEmpty)
    }

    @Test func setExpiryAndKeepTTL() {
        var db = Database()
        let setOnMissing = db.setExpiry(Key("none"), at: 10)
        #expect(!setOnMissing)
        db.set(Key("k"), Entry(value: string("v")), now: 0)
        let set = db.setExpiry(Key("k"), at: 2000)
        #expect(set)
        #expect(db.volatileCount == 1)
        db.setKeepingTTL(Key("k"), string("w"), now: 0)
        #expect(db.peek(Key("k")) == Entry(value: string("w"), expireAt: 2000))
        let cleared = db.setExpiry(Key("k"), at: 0)
        #expect(cleared)
        #expect(db.volatileCount == 0)
    }

    @Test func updateCreatesChangesAndRemovesWithCorrectCounts() {
        var db = Database()
        db.update(Key("a"), now: 0) { slot in
            #expect(slot == nil)
            slot = Entry(value: string("1"), expireAt: 100)
        }
        #expect(db.count == 1)
        #expect(db.volatileCount == 1)
        db.update(Key("a"), now: 0) { slot in slot?.expireAt = 0 }
        #expect(db.volatileCount == 0)
        db.update(Key("a"), now: 0) { slot in slot = nil }
        #expect(db.count == 0)
        // An expired entry is seen as absent, removed, and recorded.
        db.set(Key("old"), Entry(value: string("x"), expireAt: 10), now: 0)
        db.update(Key("old"), now: 20) { slot in
            #expect(slot == nil)
            slot = Entry(value: string("fresh"))
        }
        #expect(db.count == 1)
        #expect(db.volatileCount == 0)
        #expect(db.expiredTotal == 1)
        #expect(db.peek(Key("old"))?.value == string("fresh"))
        let drained = db.drainExpiredKeys()
        #expect(drained == [Key("old")])
    }

    @Test func activeSweepRemovesOnlyExpiredKeys() {
        var db = Database()
        for i in 0..<5000 {
            db.set(Key("k\(i)"), Entry(value: string("v"), expireAt: i % 2 == 0 ? 100 : 0), now: 0)
        }
        db.set(Key("later"), Entry(value: string("v"), expireAt: 10_000), now: 0)
        var removed = 0
        for _ in 0..<200 { removed += db.sweepExpired(now: 500, maxSegments: 16).removed }
        #expect(removed == 2500)
        #expect(db.count == 2501)
        #expect(db.volatileCount == 1)
        #expect(db.peek(Key("later")) != nil)
        let drained = db.drainExpiredKeys()
        #expect(drained.count == 2500)
    }

    @Test func scanReturnsEveryKeyPresentThroughoutDespiteGrowth() {
        var db = Database()
        for i in 0..<3000 { db.set(Key("stable\(i)"), Entry(value: string("v")), now: 0) }
        var seen = Set<Key>()
        var cursor: UInt64 = 0
        var rounds = 0
        repeat {
            cursor = db.scan(cursor: cursor, count: 50, now: 0) { key, _ in seen.insert(key) }
            // Grow and shrink the tables between calls.
            for j in 0..<200 { db.set(Key("churn\(rounds)-\(j)"), Entry(value: string("x")), now: 0) }
            for j in 0..<100 { db.remove(Key("churn\(rounds)-\(j)")) }
            rounds += 1
        } while cursor != 0 && rounds < 10_000
        #expect(cursor == 0)
        for i in 0..<3000 { #expect(seen.contains(Key("stable\(i)"))) }
    }

    @Test func scanSkipsExpiredKeys() {
        var db = Database()
        db.set(Key("old"), Entry(value: string("v"), expireAt: 10), now: 0)
        db.set(Key("new"), Entry(value: string("v")), now: 0)
        var seen: [Key] = []
        var cursor: UInt64 = 0
        repeat { cursor = db.scan(cursor: cursor, count: 100, now: 20) { k, _ in seen.append(k) } } while cursor != 0
        #expect(seen == [Key("new")])
    }

    @Test func randomKeyFindsLiveKeysAndExpiresDeadOnes() {
        var db = Database()
        var rng = SystemRandomNumberGenerator()
        let none = db.randomKey(now: 0, using: &rng)
        #expect(none == nil)
        db.set(Key("dead"), Entry(value: string("v"), expireAt: 5), now: 0)
        db.set(Key("alive"), Entry(value: string("v")), now: 0)
        for _ in 0..<20 {
            let key = db.randomKey(now: 10, using: &rng)
            #expect(key == Key("alive"))
        }
    }

    @Test func aSnapshotIsUnaffectedByLaterWrites() {
        var db = Database()
        for i in 0..<2000 { db.set(Key("k\(i)"), Entry(value: string("old")), now: 0) }
        let snapshot = db
        for i in 0..<2000 where i % 3 == 0 { db.set(Key("k\(i)"), Entry(value: string("new")), now: 0) }
        db.remove(Key("k1"))
        db.set(Key("extra"), Entry(value: string("x")), now: 0)
        var snapshotCount = 0
        snapshot.forEachLiveKey(now: 0) { _, entry in
            snapshotCount += 1
            #expect(entry.value == string("old"))
        }
        #expect(snapshotCount == 2000)
        #expect(db.count == 2000)
        #expect(db.peek(Key("k3"))?.value == string("new"))
    }
}

@Suite struct GlobPatternTests {
    func m(_ p: String, _ s: String, nocase: Bool = false) -> Bool {
        GlobPattern.matches(Array(p.utf8), Array(s.utf8), ignoreCase: nocase)
    }

    @Test func matchesLikeRedis() {
        #expect(m("*", "anything"))
        #expect(m("h?llo", "hello"))
        #expect(!m("h?llo", "hllo"))
        #expect(m("h*llo", "heeeello"))
        #expect(m("h[ae]llo", "hallo"))
        #expect(!m("h[ae]llo", "hillo"))
        #expect(m("h[^e]llo", "hallo"))
        #expect(!m("h[^e]llo", "hello"))
        #expect(m("h[a-b]llo", "hbllo"))
        #expect(m("h[b-a]llo", "hallo"))
        #expect(m("a\\*b", "a*b"))
        #expect(!m("a\\*b", "axb"))
        #expect(m("*:*", "user:1"))
        #expect(!m("abc", "abcd"))
        #expect(m("ABC", "abc", nocase: true))
        #expect(!m("*", ""))
        #expect(m("", ""))
        #expect(!m(String(repeating: "*a", count: 50) + "b", String(repeating: "a", count: 60)))
    }
}

@Suite struct DatabaseWatchTests {
    @Test func changesToWatchedKeysAreNotedAndOthersAreNot() {
        var db = Database()
        db.set(Key("a"), Entry(value: string("1")), now: 0)
        let first = db.watch(Key("a"), by: 1)
        let again = db.watch(Key("a"), by: 1)   // a repeated WATCH of a key is one watch
        _ = db.watch(Key("gone"), by: 2)
        #expect(first && !again)
        #expect(db.watchers(of: Key("a")) == [1])
        db.set(Key("other"), Entry(value: string("x")), now: 0)
        #expect(!db.hasTouchedWatchedKeys)
        db.remove(Key("gone"))   // absent: no change
        #expect(!db.hasTouchedWatchedKeys)
        db.setExpiry(Key("a"), at: 5000)
        db.set(Key("a"), Entry(value: string("2")), now: 0)
        #expect(db.drainTouchedWatchedKeys() == [Key("a"), Key("a")])
        db.set(Key("gone"), Entry(value: string("now")), now: 0)
        db.removeAll()   // notes the watched keys that existed
        #expect(Set(db.drainTouchedWatchedKeys()) == [Key("a"), Key("gone")])
        db.unwatch(Key("a"), by: 1)
        db.set(Key("a"), Entry(value: string("3")), now: 0)
        #expect(!db.hasTouchedWatchedKeys)
    }
}

@Suite struct AccessClockTests {
    /// OBJECT IDLETIME's source: reads and writes note the time, TYPE-like lookups and
    /// peeks do not, and nothing is noted while a snapshot is held.
    @Test func readsAndWritesNoteTheTimeAndOthersDoNot() {
        var db = Database()
        let t0: Int64 = 1_700_000_000_000
        db.set(Key("a"), Entry(value: .string(ByteString("1"))), now: t0)
        db.set(Key("b"), Entry(value: .string(ByteString("2"))), now: t0)
        #expect(db.idleSeconds(Key("a"), now: t0 + 5_000) == 5)
        _ = db.lookup(Key("a"), now: t0 + 5_000)
        _ = db.lookup(Key("b"), now: t0 + 5_000, touch: false)
        _ = db.peek(Key("b"))
        #expect(db.idleSeconds(Key("a"), now: t0 + 7_000) == 2)
        #expect(db.idleSeconds(Key("b"), now: t0 + 7_000) == 7)
        db.setKeepingTTL(Key("b"), .string(ByteString("3")), now: t0 + 7_000)
        #expect(db.idleSeconds(Key("b"), now: t0 + 7_000) == 0)
        db.accessClocksFrozen = true
        _ = db.lookup(Key("a"), now: t0 + 9_000)
        #expect(db.idleSeconds(Key("a"), now: t0 + 9_000) == 4)
        db.accessClocksFrozen = false
        _ = db.update(Key("a"), now: t0 + 9_000) { _ in }
        #expect(db.idleSeconds(Key("a"), now: t0 + 9_000) == 0)
        #expect(db.idleSeconds(Key("missing"), now: t0) == nil)
        // Removal moves the last key into the hole; its clock moves with it.
        // 20,000 keys in 65,536 segments: thousands of segments hold several.
        for i in 0..<20_000 { db.set(Key("k\(i)"), Entry(value: .string(ByteString("v"))), now: t0 + Int64(i % 50) * 1000) }
        for i in stride(from: 0, to: 20_000, by: 3) { db.remove(Key("k\(i)")) }
        var wrong = 0
        for i in 0..<20_000 where i % 3 != 0 && db.idleSeconds(Key("k\(i)"), now: t0 + 100_000) != Int64(100 - i % 50) {
            wrong += 1
        }
        #expect(wrong == 0)
    }
}

@Suite struct EntryLayoutTests {
    /// Every key sits in its segment as a key and an entry; a value case that made the
    /// enum larger would cost every string key memory. 32 + 32 bytes: a 24-byte string
    /// (22 bytes inline) with the key's hash, and a 24-byte value with the expiry time.
    @Test func keysAndEntriesStayThirtyTwoBytes() {
        #expect(MemoryLayout<ByteString>.size == 24)
        #expect(MemoryLayout<Value>.size == 24)
        #expect(MemoryLayout<Key>.stride == 32)
        #expect(MemoryLayout<Entry>.stride == 32)
    }
}
