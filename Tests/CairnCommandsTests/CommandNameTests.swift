import Testing
@testable import CairnCommands
import CairnProtocol

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

    /// Every command is found by its name in any mix of cases; random names, names that
    /// differ from a command by one byte and names past 24 bytes are not.
    @Test func theTableFindsEveryCommandAndNothingElse() {
        let table = CommandTable.standard
        var rng = SystemRandomNumberGenerator()
        let names = Set(table.all.map(\.name))
        for spec in table.all {
            let mixed = String(spec.name.map { Bool.random(using: &rng) ? Character($0.uppercased()) : $0 })
            #expect(table.lookup(name: mixed) === spec)
            #expect(table.lookup(Arguments(strings: [mixed, "x"])) === spec)
            var bytes = Array(spec.name.utf8)
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            if let near = String(bytes: bytes, encoding: .utf8), !names.contains(near.lowercased()) {
                #expect(table.lookup(name: near) == nil)
            }
        }
        for _ in 0..<20_000 {
            let name = String((0..<Int.random(in: 0...30, using: &rng)).map { _ in Character(UnicodeScalar(UInt8.random(in: 97...122, using: &rng))) })
            #expect((table.lookup(name: name) != nil) == names.contains(name))
        }
        #expect(table.lookup(name: String(repeating: "a", count: 25)) == nil)
        #expect(table.lookup(Arguments(strings: [])) == nil)
    }
}
