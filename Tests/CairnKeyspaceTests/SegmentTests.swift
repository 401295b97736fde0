import Testing
@testable import CairnKeyspace

@Suite struct SegmentTests {
    private func entry(_ n: Int) -> Entry { Entry(value: .string(ByteString("v\(n)"))) }

    /// Random stores, removals and in-place updates against a dictionary, growing past the
    /// scan limit into the position table and shrinking back, with colliding hashes' runs
    /// broken by removal in every order.
    @Test func agreesWithADictionaryThroughGrowthAndShrinking() {
        var rng = SystemRandomNumberGenerator()
        var segment = Segment()
        var model: [Key: (Int, UInt32)] = [:]
        let names = (0..<300).map { Key("key:\($0)") }
        for step in 0..<40_000 {
            // Phases: mostly inserting, then mostly removing, so the size crosses the
            // scan limit and the table's growth points many times.
            let inserting = (step / 2_000) % 2 == 0
            let key = names[Int.random(in: 0..<(step % 7 == 0 ? 12 : names.count), using: &rng)]
            let clock = UInt32(step)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<6 where inserting, 0..<2:
                let old = segment.store(entry(step), for: key, clock: clock)
                #expect(old == model[key].map { entry($0.0) })
                model[key] = (step, clock)
            case 6..<8:
                let value: Int? = segment.withEntry(for: key, clock: clock) { slot in
                    defer { slot = slot == nil ? nil : entry(step) }
                    return slot == nil ? nil : step
                }
                if value != nil { model[key] = (step, clock) }
            default:
                #expect(segment.remove(key) == model.removeValue(forKey: key).map { entry($0.0) })
            }
            if step % 97 == 0 {
                #expect(segment.indexIsConsistent)
                #expect(segment.count == model.count)
            }
        }
        #expect(segment.indexIsConsistent)
        for key in names {
            let i = segment.index(of: key)
            #expect(i.map { segment[position: $0] } == model[key].map { entry($0.0) })
            #expect(i.map { segment.clock(at: $0) } == model[key]?.1)
        }
        #expect(Set(segment.map(\.key)) == Set(model.keys))
    }

    /// Keys whose hashes share their low bits pile up in one probe run; removing from its
    /// middle must leave the rest findable.
    @Test func removalInsideAProbeRunKeepsLaterKeysFindable() {
        var segment = Segment()
        var keys: [Key] = []
        var n = 0
        // Keys whose hashes agree in their low 5 bits (a 32-bucket table's home).
        while keys.count < 14 {
            let key = Key("c\(n)")
            n += 1
            if key.hash & 31 == 7 { keys.append(key) }
        }
        for (i, key) in keys.enumerated() { _ = segment.store(entry(i), for: key, clock: 0) }
        #expect(segment.buckets.count == 32)
        for victim in [5, 0, 12, 7] {
            _ = segment.remove(keys[victim])
            #expect(segment.indexIsConsistent)
        }
        for (i, key) in keys.enumerated() where ![5, 0, 12, 7].contains(i) {
            #expect(segment.entry(for: key) == entry(i))
        }
        #expect(segment.count == 10)
    }

    /// A table grown for many keys shrinks when most are removed, and keeps finding the rest.
    @Test func theTableShrinksWithTheSegment() {
        var segment = Segment()
        let keys = (0..<2_000).map { Key("k\($0)") }
        for (i, key) in keys.enumerated() { _ = segment.store(entry(i), for: key, clock: 0) }
        let grown = segment.buckets.count
        #expect(grown >= 4_000)
        for key in keys.dropFirst(20) { _ = segment.remove(key) }
        #expect(segment.buckets.count <= 64)
        #expect(segment.indexIsConsistent)
        for (i, key) in keys.prefix(20).enumerated() { #expect(segment.entry(for: key) == entry(i)) }
    }

    @Test func smallSegmentsNeedNoTable() {
        var segment = Segment()
        for i in 0..<Segment.scanLimit { _ = segment.store(entry(i), for: Key("k\(i)"), clock: 0) }
        #expect(segment.buckets.isEmpty)
        _ = segment.store(entry(99), for: Key("one more"), clock: 0)
        #expect(!segment.buckets.isEmpty)
        _ = segment.remove(Key("k0"))
        #expect(segment.buckets.isEmpty)
        #expect(segment.indexIsConsistent)
    }
}
