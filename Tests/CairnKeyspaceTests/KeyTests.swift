import Testing
@testable import CairnKeyspace

@Suite struct KeyTests {
    @Test func inlineAndHeapKeysKeepTheirBytes() {
        for length in [0, 1, 15, 16, 22, 23, 24, 25, 100] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
            let key = Key(bytes)
            #expect(key.bytes == bytes)
            #expect(key.count == length)
        }
    }

    @Test func equalityAndHashFollowTheBytesOnly() {
        #expect(Key("abc") == Key(Array("abc".utf8)))
        #expect(Key("abc").hash == Key(Array("abc".utf8)[...]).hash)
        #expect(Key("abc") != Key("abd"))
        #expect(Key("") != Key([0]))
        #expect(Key("a") != Key("a\u{0}"))
        let long = String(repeating: "x", count: 40)
        #expect(Key(long) == Key(long))
        #expect(Key(long) != Key(long + "y"))
    }

    @Test func ordersLikeMemcmp() {
        let sorted = [Key("b"), Key("a"), Key("ab"), Key(""), Key(String(repeating: "a", count: 30))].sorted()
        #expect(sorted.map(\.description) == ["", "a", String(repeating: "a", count: 30), "ab", "b"])
    }
}
