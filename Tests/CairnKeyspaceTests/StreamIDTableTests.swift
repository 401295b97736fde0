import Testing
@testable import CairnKeyspace

/// The pending lists' hash table and the ordered map over it, against `Dictionary` and a
/// sorted array: random inserts, replacements and removals over a small range of IDs, so
/// that runs of occupied slots form, wrap around the end of the table, and are shifted
/// back by removals, through growth and shrinking.
@Suite struct StreamIDTableTests {
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func theTableMatchesADictionary(seed: UInt64) {
        var rng = SplitMix(state: seed)
        var table = StreamIDTable<Int>()
        var model: [StreamID: Int] = [:]
        // A small domain keeps most operations on IDs already present; the domain grows
        // and shrinks so that the table both grows and shrinks.
        for step in 0..<40_000 {
            let domain = UInt64(step % 20_000 < 10_000 ? 2_000 : 60)
            let id = StreamID(ms: rng.next() % 4, seq: rng.next() % domain)
            if rng.next() % 2 == 0 {
                let value = Int(truncatingIfNeeded: rng.next())
                #expect(table.updateValue(value, forKey: id) == model.updateValue(value, forKey: id))
            } else {
                #expect(table.removeValue(forKey: id) == model.removeValue(forKey: id))
            }
            #expect(table.count == model.count)
            if step % 1_000 == 0 {
                for (id, value) in model { #expect(table[id] == value) }
                #expect(Set(table.ids) == Set(model.keys))
            }
        }
        for (id, value) in model { #expect(table[id] == value) }
        // Emptied one by one: every removal finds its ID whatever was shifted before it.
        for id in model.keys.shuffled(using: &rng) { #expect(table.removeValue(forKey: id) != nil) }
        #expect(table.isEmpty && table.ids.isEmpty && table[StreamID(ms: 0, seq: 0)] == nil)
    }

    @Test func extremeIDsAreKeysLikeAnyOther() {
        var table = StreamIDTable<String>()
        let ids = [StreamID.zero, .max, StreamID(ms: 0, seq: .max), StreamID(ms: .max, seq: 0)]
        for (i, id) in ids.enumerated() { table.updateValue("\(i)", forKey: id) }
        for (i, id) in ids.enumerated() { #expect(table[id] == "\(i)") }
        #expect(table.removeValue(forKey: .zero) == "0")
        #expect(table[.zero] == nil && table[.max] == "1" && table.count == 3)
    }

    @Test func tablesWithTheSameEntriesAreEqualWhateverTheirHistory() {
        var a = StreamIDTable<Int>(), b = StreamIDTable<Int>()
        for i in 0..<1_000 { a.updateValue(i, forKey: StreamID(ms: UInt64(i), seq: 0)) }
        for i in (0..<1_000).reversed() { b.updateValue(i, forKey: StreamID(ms: UInt64(i), seq: 0)) }
        for i in 1..<1_000 { a.removeValue(forKey: StreamID(ms: UInt64(i), seq: 0)) }
        for i in 1..<1_000 { b.removeValue(forKey: StreamID(ms: UInt64(i), seq: 0)) }
        #expect(a == b)
        b.updateValue(7, forKey: .zero)
        #expect(a != b)
    }

    /// The ordered map built on the table: removals in random order, from either end and
    /// the middle, with compactions, must leave `walk`, `first`, `last` and `ids` exact.
    @Test(arguments: [5, 6] as [UInt64])
    func theOrderedMapWalksWhatIsLeft(seed: UInt64) {
        var rng = SplitMix(state: seed)
        var map = StreamIDMap<Int>()
        var model: [StreamID: Int] = [:]
        for i in 0..<5_000 {
            let id = StreamID(ms: 1, seq: UInt64(i))
            map.updateValue(i, forKey: id)
            model[id] = i
        }
        for round in 0..<4_900 {
            let id: StreamID?
            switch rng.next() % 4 {
            case 0: id = map.first
            case 1: id = map.last
            default: id = model.keys.randomElement(using: &rng)
            }
            guard let id else { continue }
            #expect(map.removeValue(forKey: id) == model.removeValue(forKey: id))
            if round % 500 == 0 || model.count < 120 {
                let sorted = model.keys.sorted()
                #expect(map.ids == sorted)
                #expect(map.first == sorted.first && map.last == sorted.last)
                var walked: [StreamID] = []
                let from = sorted.isEmpty ? StreamID.zero : sorted[sorted.count / 3]
                map.walk(from: from) { id, value in
                    #expect(model[id] == value)
                    walked.append(id)
                    return true
                }
                #expect(walked == sorted.filter { $0 >= from })
            }
        }
    }
}
