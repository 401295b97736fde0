import Testing
@testable import CairnCommands

@Suite struct CommandNameTests {
    /// The word-at-a-time lowercasing agrees with byte-by-byte folding for every byte
    /// value in every position, whatever its neighbours are (carries must not leak).
    @Test func foldsExactlyTheASCIIUppercaseLetters() {
        var rng = SystemRandomNumberGenerator()
        for position in 0..<8 {
            for byte in UInt8.min...UInt8.max {
                for _ in 0..<4 {
                    var bytes = (0..<8).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
                    bytes[position] = byte
                    let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    let expected = bytes.map { (65...90).contains($0) ? $0 | 0x20 : $0 }
                    let folded = withUnsafeBytes(of: CommandName.lowercased(word)) { Array($0) }
                    #expect(folded == expected)
                }
            }
        }
    }

    @Test func namesCompareCaseInsensitivelyUpToTheirLength() {
        func name(_ text: String) -> CommandName? { CommandName(text) }
        #expect(name("GET") == name("get"))
        #expect(name("GeT") == name("gEt"))
        #expect(name("get") != name("get "))
        #expect(name("CLIENT|NO-EVICT") == name("client|no-evict"))
        #expect(name(String(repeating: "A", count: 24)) == name(String(repeating: "a", count: 24)))
        #expect(name(String(repeating: "a", count: 25)) == nil)
        #expect(name("") != nil)
        #expect(name("[") != name("{"))
        #expect(name("@") != name("`"))
    }
}
