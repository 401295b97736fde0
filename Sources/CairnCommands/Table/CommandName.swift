/// A command name folded to lowercase in a fixed inline buffer, so finding a command
/// costs no allocation. Names longer than 24 bytes are not commands.
struct CommandName: Hashable, Sendable {
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0
    private var length: UInt8 = 0

    init?(lowercasing bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= 24 else { return nil }
        length = UInt8(bytes.count)
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &words) { out in
            if bytes.count > 0 { out.copyMemory(from: bytes) }
        }
        (w0, w1, w2) = (Self.lowercased(words.0), Self.lowercased(words.1), Self.lowercased(words.2))
    }

    /// The eight bytes of `word` with ASCII `A`…`Z` made lowercase, all at once: a byte's
    /// top bit is set in `atLeastA` when its low seven bits are ≥ 'A', in `pastZ` when they
    /// are > 'Z'; bytes with their own top bit set (not ASCII) are left alone.
    static func lowercased(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low7 = word & (0x7F &* ones)
        let atLeastA = low7 &+ (0x80 - 0x41) &* ones
        let pastZ = low7 &+ (0x80 - 0x5B) &* ones
        let upper = atLeastA & ~pastZ & ~word & (0x80 &* ones)
        return word | (upper >> 2)
    }

    /// A bucket in `0..<count` (a power of two) of the command table: all 24 bytes and
    /// the length, mixed by multiplication, top bits taken. Not a defence against chosen
    /// names; the table is fixed and at most a quarter full, so a chosen name costs at
    /// most a probe run, never a longer table.
    func bucket(of count: Int) -> Int {
        let mixed = (w0 &* 0x9E37_79B9_7F4A_7C15) ^ (w1 &* 0xC2B2_AE3D_27D4_EB4F)
            ^ (w2 &* 0x1656_67B1_9E37_79F9) ^ (UInt64(length) &* 0x27D4_EB2F_1656_67C5)
        let spread = (mixed ^ (mixed >> 29)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: spread >> UInt64(64 - count.trailingZeroBitCount))
    }

    init?(_ name: String) {
        let bytes = Array(name.utf8)
        guard let made = bytes.withUnsafeBytes({ CommandName(lowercasing: $0) }) else { return nil }
        self = made
    }
}
