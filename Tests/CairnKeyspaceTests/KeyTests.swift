import Testing
@testable import CairnKeyspace

@Suite struct ByteStringTests {
    @Test func shortValuesAreInlineAndLongOnesAreNot() {
        for length in [0, 1, 21, 22, 23, 24, 200] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let value = ByteString(bytes)
            #expect(value.bytes == bytes)
            #expect(value.count == length)
            if case .inline = value.storage { #expect(length <= 22) } else { #expect(length > 22) }
        }
    }

    @Test func mutationKeepsTheInvariant() {
        var value = ByteString("abc")
        value.withMutableBytes { $0.append(contentsOf: Array(repeating: 120, count: 30)) }
        #expect(value.count == 33)
        if case .inline = value.storage { Issue.record("33 bytes must be on the heap") }
        value.withMutableBytes { $0.removeLast(20) }
        #expect(value == ByteString("abc" + String(repeating: "x", count: 10)))
        if case .heap = value.storage { Issue.record("13 bytes must be inline") }
    }

    @Test func equalityAndOrder() {
        #expect(ByteString("") != ByteString([0]))
        #expect(ByteString("a") < ByteString("ab"))
        #expect(ByteString(String(repeating: "z", count: 40)) == ByteString(Array(repeating: 122, count: 40)))
    }
}

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

