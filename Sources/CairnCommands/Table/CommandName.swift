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
            for i in 0..<bytes.count {
                var c = bytes[i]
                if c >= 65 && c <= 90 { c |= 0x20 }
                out[i] = c
            }
        }
        (w0, w1, w2) = words
    }

    /// A slot in `0..<count` (a power of two) for a small cache: the top bits of the first
    /// eight bytes, mixed. Not a defence against chosen names; the cache compares names.
    func slot(of count: Int) -> Int {
        Int(truncatingIfNeeded: ((w0 ^ UInt64(length)) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - count.trailingZeroBitCount))
    }

    init?(_ name: String) {
        let bytes = Array(name.utf8)
        guard let made = bytes.withUnsafeBytes({ CommandName(lowercasing: $0) }) else { return nil }
        self = made
    }
}
