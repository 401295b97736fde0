#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CairnCommands

@Suite struct ScoreTests {
    /// What C's %.17g prints, the reference for Redis 7.0's score replies.
    func printf17g(_ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let n = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.17g", $0) }
        return String(decoding: buffer[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func formatsAsPercent17gIncludingTheWholeNumberFastPath() {
        var values: [Double] = [0, -0.0, 1, -1, 1.5, 0.1, 1e16, -1e16, 1e17, 9.999999999999998e16, 9007199254740992,
                                9007199254740994, 123456789012345, -98765.25, 1e-300, 5e-324, 1.7976931348623157e308]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            values.append(Double(Int64.random(in: -(1 << 60)...(1 << 60), using: &rng)))
            values.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng)))
        }
        for value in values where value.isFinite {
            #expect(String(decoding: Score.format(value), as: UTF8.self) == printf17g(value), "\(value)")
        }
        #expect(Score.format(.infinity) == Array("inf".utf8))
        #expect(Score.format(-.infinity) == Array("-inf".utf8))
    }

    @Test func parsesAsRedisDoes() {
        #expect(Score.parse(Array("1.5".utf8)) == 1.5)
        #expect(Score.parse(Array("-inf".utf8)) == -.infinity)
        #expect(Score.parse(Array("0x10".utf8)) == 16)
        for bad in ["nan", "", " 1", "1 ", "1e400", "1e-400", "abc", "1\u{0}"] {
            #expect(Score.parse(Array(bad.utf8)) == nil, "\(bad)")
        }
    }
}
