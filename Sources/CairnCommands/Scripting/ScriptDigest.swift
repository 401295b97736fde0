import Crypto

/// A script's name: the SHA-1 of its body, as EVALSHA and SCRIPT EXISTS give it in hex
/// (either case). Twenty bytes held inline, so finding a script allocates nothing.
struct ScriptDigest: Hashable, Sendable {
    private let high: UInt64
    private let middle: UInt64
    private let low: UInt32

    /// The digest of `body`. O(body).
    init(of body: UnsafeRawBufferPointer) {
        var hasher = Insecure.SHA1()
        hasher.update(bufferPointer: body)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        bytes.append(contentsOf: hasher.finalize())
        self.init(bytes: bytes)
    }

    private init(bytes: [UInt8]) {
        var high: UInt64 = 0, middle: UInt64 = 0, low: UInt32 = 0
        for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { middle = middle << 8 | UInt64(bytes[i]) }
        for i in 16..<20 { low = low << 8 | UInt32(bytes[i]) }
        self.high = high
        self.middle = middle
        self.low = low
    }

    /// Parses 40 hex digits (either case); nil for anything else. O(1), no allocation.
    init?(hex: UnsafeRawBufferPointer) {
        guard hex.count == 40 else { return nil }
        func parse(_ range: Range<Int>) -> UInt64? {
            var value: UInt64 = 0
            for i in range {
                guard let digit = Self.nibble(hex[i]) else { return nil }
                value = value << 4 | UInt64(digit)
            }
            return value
        }
        guard let high = parse(0..<16), let middle = parse(16..<32), let low = parse(32..<40) else { return nil }
        self.high = high
        self.middle = middle
        self.low = UInt32(truncatingIfNeeded: low)
    }

    /// Lowercase hex, as Redis prints script names. O(1).
    var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(40)
        func append(_ value: UInt64, bytes: Int) {
            for shift in stride(from: (bytes - 1) * 8, through: 0, by: -8) {
                let byte = UInt8(truncatingIfNeeded: value >> UInt64(shift))
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0xF)])
            }
        }
        append(high, bytes: 8)
        append(middle, bytes: 8)
        append(UInt64(low), bytes: 4)
        return String(decoding: out, as: UTF8.self)
    }

    /// A script name exactly as a client spelled it (40 bytes, case kept), to compare
    /// a request's name with a recent one without parsing it. No allocation.
    struct Spelling {
        private let words: (UInt64, UInt64, UInt64, UInt64, UInt64)

        /// `hex` must be 40 bytes long.
        init(_ hex: UnsafeRawBufferPointer) {
            words = Self.load(hex)
        }

        func matches(_ hex: UnsafeRawBufferPointer) -> Bool {
            guard hex.count == 40 else { return false }
            let other = Self.load(hex)
            return words.0 == other.0 && words.1 == other.1 && words.2 == other.2 && words.3 == other.3
                && words.4 == other.4
        }

        private static func load(_ hex: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64, UInt64, UInt64) {
            guard hex.count == 40 else { return (0, 0, 0, 0, 0) }
            return (hex.loadUnaligned(fromByteOffset: 0, as: UInt64.self), hex.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                    hex.loadUnaligned(fromByteOffset: 16, as: UInt64.self), hex.loadUnaligned(fromByteOffset: 24, as: UInt64.self),
                    hex.loadUnaligned(fromByteOffset: 32, as: UInt64.self))
        }
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}
