import Testing
@testable import CairnProtocol

@Suite struct ArgumentsTests {
    /// A connection's arguments are emptied and refilled for every request, reusing their
    /// storage: whatever the previous request held must never show through.
    @Test func refillingAfterEmptyingShowsOnlyTheNewArguments() {
        var rng = SystemRandomNumberGenerator()
        var args = Arguments()
        for _ in 0..<400 {
            args.removeAll()
            let parts = (0..<Int.random(in: 0...12, using: &rng)).map { _ in
                (0..<Int.random(in: 0...(Bool.random(using: &rng) ? 40 : 3_000), using: &rng)).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
            }
            for (n, part) in parts.enumerated() {
                if n % 3 == 0 {
                    args.append(part.lazy.map { $0 })  // no contiguous storage
                } else {
                    part.withUnsafeBytes { args.append($0) }
                }
            }
            #expect(args.count == parts.count)
            #expect(args.isEmpty == parts.isEmpty)
            #expect(args.byteCount == parts.reduce(0) { $0 + $1.count })
            #expect(args.all == parts)
            for (i, part) in parts.enumerated() {
                #expect(args.length(i) == part.count)
                #expect(args.withUnsafeBytes(i) { Array($0) } == part)
            }
        }
    }

    @Test func aHugeRequestDoesNotPinItsStorage() {
        var args = Arguments()
        args.append([UInt8](repeating: 7, count: Arguments.retainedCapacity + 1))
        args.removeAll()
        #expect(args.arena.isEmpty)
        args.append(Array("get".utf8))
        #expect(args.all == [Array("get".utf8)])
        for _ in 0..<1_500 { args.append([1]) }
        args.removeAll()
        #expect(args.ends.isEmpty)
        #expect(args.count == 0)
    }

    /// A copy keeps its arguments when the original is emptied and refilled.
    @Test func aCopyIsUnaffectedByReuse() {
        var args = Arguments(strings: ["set", "key", "value"])
        let kept = args
        args.removeAll()
        args.append(Array("x".utf8))
        #expect(kept.all.map { String(decoding: $0, as: UTF8.self) } == ["set", "key", "value"])
        #expect(args.all == [Array("x".utf8)])
    }
}
