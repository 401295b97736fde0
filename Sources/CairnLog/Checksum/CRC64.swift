/// Redis's CRC-64 (Jones polynomial 0xad93d23594c935a9, reflected in and out, initial
/// value 0, no final xor), so Cairn's checksums mean what Redis's mean. Check value:
/// CRC64("123456789") = 0xe9c6d914c4b8d9ca. Slice-by-8 tables: ~8 bytes per step.
public enum CRC64 {
    /// The reflected form of the Jones polynomial.
    static let reflectedPolynomial: UInt64 = 0x95AC_9329_AC4B_C9B5

    /// The eight slice-by-8 tables one after another (table k at k × 256): one array, so
    /// a checksum reaches all of them through one buffer pointer. Every batch the log
    /// writes (one per event-loop turn, a few commands each at `-P 1`) is checksummed, and
    /// eight separate arrays cost eight retains and releases per call.
    static let table: [UInt64] = {
        var t = [UInt64](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var crc = UInt64(i)
            for _ in 0..<8 {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1
            }
            t[i] = crc
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let previous = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    /// Continues `crc` over `bytes`. O(n).
    public static func update(_ crc: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        table.withUnsafeBufferPointer { t in
            var c = crc
            var i = 0
            let n = bytes.count
            while i + 8 <= n {
                let word = c ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                c = t[7 * 256 + Int(word & 0xFF)] ^ t[6 * 256 + Int((word >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((word >> 16) & 0xFF)] ^ t[4 * 256 + Int((word >> 24) & 0xFF)]
                    ^ t[3 * 256 + Int((word >> 32) & 0xFF)] ^ t[2 * 256 + Int((word >> 40) & 0xFF)]
                    ^ t[256 + Int((word >> 48) & 0xFF)] ^ t[Int(word >> 56)]
                i += 8
            }
            while i < n {
                c = t[Int((c ^ UInt64(bytes[i])) & 0xFF)] ^ (c >> 8)
                i += 1
            }
            return c
        }
    }

    /// The CRC-64 of `bytes`. O(n).
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        update(0, bytes)
    }

    /// The CRC-64 of `bytes`. O(n).
    public static func checksum(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
