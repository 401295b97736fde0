import Testing
@testable import CairnKeyspace

/// The stream against a plain array of entries: appends, ranges both ways with bounds
/// and limits, deletions and both kinds of trimming, in random order.
@Suite struct StreamTests {
    struct Model {
        var entries: [(id: StreamID, pairs: [ByteString])] = []
    }

    /// Entries of a few shapes: most with the same field names (stored as values only),
    /// some with their own, some with values long enough for multi-byte lengths.
    func pairs(_ n: Int) -> [ByteString] {
        func b(_ s: String) -> ByteString { ByteString(Array(s.utf8)) }
        switch n % 5 {
        case 0: return [b("f\(n)"), b("v\(n)")]
        case 1: return [b("user"), b(String(repeating: "u", count: n % 300)), b("page"), b("")]
        default: return [b("user"), b("u\(n)"), b("page"), b("/p/\(n)")]
        }
    }

    @Test func idsParseAsRedisReadsThem() {
        func parse(_ s: String, _ missing: UInt64 = 0) -> StreamID? {
            Array(s.utf8).withUnsafeBytes { StreamID(parsing: $0, missingSequence: missing) }
        }
        #expect(parse("5") == StreamID(ms: 5, seq: 0))
        #expect(parse("5", .max) == StreamID(ms: 5, seq: .max))
        #expect(parse("5-7") == StreamID(ms: 5, seq: 7))
        #expect(parse("18446744073709551615-18446744073709551615") == .max)
        for bad in ["", "-", "5-", "-5", "a", "5-a", "18446744073709551616", "1-18446744073709551616", "+5", " 5", "5-1-2"] {
            #expect(parse(bad) == nil, "\(bad)")
        }
        #expect(StreamID.max.successor == nil && StreamID.zero.predecessor == nil)
        #expect(StreamID(ms: 1, seq: .max).successor == StreamID(ms: 2, seq: 0))
    }

    @Test func appendsRangesDeletesAndTrimsLikeAnArray() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<30 {
            var stream = Stream()
            var model = Model()
            var next: UInt64 = 1
            for step in 0..<1500 {
                switch Int.random(in: 0..<20, using: &rng) {
                case 0..<12:
                    let id = StreamID(ms: next, seq: UInt64.random(in: 0...2, using: &rng))
                    next += UInt64.random(in: 1...3, using: &rng)
                    let added = stream.append(id, pairs(step))
                    #expect(added)
                    model.entries.append((id, pairs(step)))
                    let again = stream.append(id, pairs(step))
                    #expect(!again, "an ID not above the last is refused")
                case 12..<15:
                    if let victim = model.entries.randomElement(using: &rng)?.id {
                        let deleted = stream.delete(victim)
                        #expect(deleted)
                        model.entries.removeAll { $0.id == victim }
                        let deletedAgain = stream.delete(victim)
                        #expect(!deletedAgain)
                    }
                case 15:
                    let maxLength = Int.random(in: 0...model.entries.count + 5, using: &rng)
                    let removed = stream.trim(maxLength: maxLength, approximate: false)
                    let expected = max(0, model.entries.count - maxLength)
                    #expect(removed == expected)
                    model.entries.removeFirst(expected)
                case 16:
                    let minID = StreamID(ms: UInt64.random(in: 0...next, using: &rng), seq: 1)
                    let removed = stream.trim(minID: minID, approximate: false)
                    let expected = model.entries.prefix { $0.id < minID }.count
                    #expect(removed == expected)
                    model.entries.removeFirst(expected)
                case 17:
                    // Approximate: whole nodes only, never below the length asked, limited.
                    let maxLength = Int.random(in: 0...model.entries.count, using: &rng)
                    let limit = Int.random(in: 0...400, using: &rng)
                    let removed = stream.trim(maxLength: maxLength, approximate: true, limit: limit)
                    #expect(removed <= limit && model.entries.count - removed >= maxLength)
                    model.entries.removeFirst(removed)
                default:
                    let a = StreamID(ms: UInt64.random(in: 0...next, using: &rng), seq: UInt64.random(in: 0...3, using: &rng))
                    let b = StreamID(ms: UInt64.random(in: 0...next, using: &rng), seq: UInt64.random(in: 0...3, using: &rng))
                    let limit = Int.random(in: 1...50, using: &rng)
                    let forward = stream.range(a, b, limit: limit).map(\.id)
                    #expect(forward == Array(model.entries.filter { $0.id >= a && $0.id <= b }.prefix(limit).map(\.id)))
                    let backward = stream.range(a, b, reverse: true, limit: limit).map(\.id)
                    #expect(backward == Array(model.entries.reversed().filter { $0.id >= a && $0.id <= b }.prefix(limit).map(\.id)))
                }
                #expect(stream.count == model.entries.count)
                #expect(stream.firstID == model.entries.first?.id)
            }
            let all = stream.range(.zero, .max)
            #expect(all.map(\.id) == model.entries.map(\.id))
            #expect(all.map { Array($0.pairs) } == model.entries.map(\.pairs))
        }
    }

    @Test func metadataFollowsRedis() {
        var stream = Stream()
        let zero = stream.append(.zero, pairs(0))
        #expect(!zero, "0-0 is never a valid ID")
        stream.append(StreamID(ms: 1, seq: 0), pairs(1))
        stream.append(StreamID(ms: 2, seq: 0), pairs(2))
        stream.delete(StreamID(ms: 2, seq: 0))
        #expect(stream.lastID == StreamID(ms: 2, seq: 0) && stream.maxDeletedID == StreamID(ms: 2, seq: 0))
        #expect(stream.entriesAdded == 2 && stream.count == 1)
        stream.trim(maxLength: 0, approximate: false)
        #expect(stream.isEmpty && stream.lastID == StreamID(ms: 2, seq: 0), "an emptied stream keeps its last ID")
    }
}
