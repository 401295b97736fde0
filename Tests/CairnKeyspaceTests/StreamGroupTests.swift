import Testing
@testable import CairnKeyspace

/// A group's pending-entries list against a plain dictionary: deliveries in and out of
/// order, acknowledgements from the front and the middle, ownership moving between
/// consumers; walks must give the IDs in order whatever was removed.
@Suite struct StreamGroupTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func pendingListsMatchAModel(seed: UInt64) {
        var rng = SplitMix(state: seed)
        var group = StreamGroup(lastDeliveredID: .zero, entriesRead: 0)
        var model: [StreamID: (consumer: String, count: Int64)] = [:]
        let consumers = ["a", "b", "c"].map { ByteString(Array($0.utf8)) }
        var next: UInt64 = 1
        for step in 0..<5000 {
            switch rng.next() % 10 {
            case 0...3:
                // Mostly new IDs at the end; sometimes an old one again (XGROUP SETID back).
                let id = rng.next() % 5 == 0 ? StreamID(ms: 1 + rng.next() % next, seq: 0) : StreamID(ms: next, seq: 0)
                next += 1
                let who = Int(rng.next() % 3)
                group.assign(id, to: consumers[who], deliveryTime: Int64(step), deliveryCount: 1, now: Int64(step))
                model[id] = (["a", "b", "c"][who], 1)
            case 4...6:
                // Acknowledge the oldest, or any.
                let id = rng.next() % 2 == 0 ? group.pending.first : model.keys.randomElement(using: &rng)
                if let id { #expect(group.acknowledge(id) == (model.removeValue(forKey: id) != nil)) }
            case 7:
                let id = StreamID(ms: 1 + rng.next() % next, seq: 0)
                #expect(group.acknowledge(id) == (model.removeValue(forKey: id) != nil))
            case 8:
                let who = Int(rng.next() % 3)
                let removed = group.deleteConsumer(consumers[who])
                let owned = model.filter { $0.value.consumer == ["a", "b", "c"][who] }.keys
                #expect(removed == owned.count)
                for id in owned { model[id] = nil }
            default:
                var walked: [StreamID] = []
                let start = StreamID(ms: rng.next() % next, seq: 0)
                group.pending.walk(from: start) { id, _ in walked.append(id); return true }
                #expect(walked == model.keys.filter { $0 >= start }.sorted())
            }
            #expect(group.pending.count == model.count)
            #expect(group.pending.first == model.keys.min() && group.pending.last == model.keys.max())
        }
        for (i, consumer) in consumers.enumerated() {
            let held = group.consumers[consumer]?.pending.ids ?? []
            #expect(held == model.filter { $0.value.consumer == ["a", "b", "c"][i] }.keys.sorted())
        }
    }

    @Test func readCountersFollowRedis() {
        var stream = Stream()
        for ms in 1...5 { stream.append(StreamID(ms: UInt64(ms), seq: 0), [ByteString([1])]) }
        var group = StreamGroup(lastDeliveredID: .zero, entriesRead: 0)
        #expect(stream.lag(of: group) == 5)
        group.lastDeliveredID = StreamID(ms: 3, seq: 0)
        group.entriesRead = 3
        #expect(stream.lag(of: group) == 2)
        // A deletion after the group's position makes the counter unknowable.
        stream.delete(StreamID(ms: 4, seq: 0))
        group.entriesRead = StreamGroup.unknownEntriesRead
        #expect(stream.lag(of: group) == nil)
        #expect(stream.entriesAdded(through: StreamID(ms: 5, seq: 0)) == 5)
        #expect(stream.entriesAdded(through: StreamID(ms: 9, seq: 0)) == StreamGroup.unknownEntriesRead)
    }
}

/// A small deterministic generator for the tests (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
