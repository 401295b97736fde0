import CairnLog

/// FUNCTION DUMP's payload, in Redis 7.0's format so payloads move between Cairn and
/// Redis: per library the RDB opcode 245 (FUNCTION2) and its code as an RDB string, then
/// the RDB version (2 bytes, little-endian) and a CRC-64 of everything before it
/// (8 bytes, little-endian). Cairn writes strings uncompressed; it reads Redis's LZF
/// compressed ones too. Every length read is checked against the bytes left.
enum FunctionPayload {
    static let functionOpcode: UInt8 = 245
    /// Redis 7.0's RDB version: payloads from newer versions are refused, as Redis does.
    static let rdbVersion: UInt16 = 10

    static func encode(_ codes: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for code in codes {
            out.append(functionOpcode)
            appendLength(code.count, to: &out)
            out.append(contentsOf: code)
        }
        out.append(UInt8(truncatingIfNeeded: rdbVersion))
        out.append(UInt8(truncatingIfNeeded: rdbVersion >> 8))
        let crc = out.withUnsafeBytes { CRC64.update(0, $0) }
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: crc >> (8 * UInt64(i)))) }
        return out
    }

    /// RDB length encoding: 6 bits, 14 bits, 32 or 64 bits big-endian.
    static func appendLength(_ length: Int, to out: inout [UInt8]) {
        if length < 1 << 6 {
            out.append(UInt8(length))
        } else if length < 1 << 14 {
            out.append(0x40 | UInt8(length >> 8))
            out.append(UInt8(truncatingIfNeeded: length))
        } else if length <= Int(UInt32.max) {
            out.append(0x80)
            for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: length >> shift)) }
        } else {
            out.append(0x81)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: length >> shift)) }
        }
    }

    enum DecodeError: Error {
        case versionOrChecksum
        case notAFunction
        case malformed
    }

    /// The libraries' code in a payload. O(payload).
    static func decode(_ payload: [UInt8]) -> Result<[[UInt8]], DecodeError> {
        guard payload.count >= 10 else { return .failure(.versionOrChecksum) }
        let footer = payload.count - 10
        let version = UInt16(payload[footer]) | UInt16(payload[footer + 1]) << 8
        var stored: UInt64 = 0
        for i in 0..<8 { stored |= UInt64(payload[footer + 2 + i]) << (8 * UInt64(i)) }
        let crc = payload.withUnsafeBytes { CRC64.update(0, UnsafeRawBufferPointer(rebasing: $0[..<(footer + 2)])) }
        guard version <= rdbVersion, crc == stored else { return .failure(.versionOrChecksum) }
        var reader = Reader(bytes: payload[..<footer])
        var codes: [[UInt8]] = []
        while !reader.isAtEnd {
            guard reader.byte() == functionOpcode else { return .failure(.notAFunction) }
            guard let code = reader.string() else { return .failure(.malformed) }
            codes.append(code)
        }
        return .success(codes)
    }

    private struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            position = bytes.startIndex
        }

        var isAtEnd: Bool { position >= bytes.endIndex }

        mutating func byte() -> UInt8? {
            guard position < bytes.endIndex else { return nil }
            defer { position += 1 }
            return bytes[position]
        }

        /// A length, or for the special encodings (0b11xxxxxx) its kind as a negative.
        mutating func length() -> (value: Int, special: Bool)? {
            guard let first = byte() else { return nil }
            switch first >> 6 {
            case 0: return (Int(first & 0x3F), false)
            case 1:
                guard let second = byte() else { return nil }
                return (Int(first & 0x3F) << 8 | Int(second), false)
            case 2:
                let count = first == 0x80 ? 4 : first == 0x81 ? 8 : 0
                guard count > 0 else { return nil }
                var value: UInt64 = 0
                for _ in 0..<count {
                    guard let b = byte() else { return nil }
                    value = value << 8 | UInt64(b)
                }
                guard value <= UInt64(Int.max) else { return nil }
                return (Int(value), false)
            default:
                return (Int(first & 0x3F), true)
            }
        }

        mutating func take(_ count: Int) -> [UInt8]? {
            guard count >= 0, count <= bytes.endIndex - position else { return nil }
            defer { position += count }
            return Array(bytes[position..<(position + count)])
        }

        /// An RDB string: raw, an integer (8, 16 or 32 bits) or LZF-compressed.
        mutating func string() -> [UInt8]? {
            guard let (value, special) = length() else { return nil }
            guard special else { return take(value) }
            switch value {
            case 0, 1, 2:
                let width = 1 << value
                guard let raw = take(width) else { return nil }
                var n: Int64 = 0
                for (i, b) in raw.enumerated() { n |= Int64(b) << (8 * Int64(i)) }
                let shift = Int64(64 - 8 * width)
                n = (n << shift) >> shift  // sign-extend
                return Array(String(n).utf8)
            case 3:
                guard let (compressed, s1) = length(), !s1, let (original, s2) = length(), !s2,
                      let input = take(compressed) else { return nil }
                return LZF.decompress(input, expectedLength: original)
            default:
                return nil
            }
        }
    }
}

/// LZF decompression (the format Redis compresses RDB strings with), bounds-checked:
/// nil for any input that does not produce exactly `expectedLength` bytes.
enum LZF {
    static func decompress(_ input: [UInt8], expectedLength: Int) -> [UInt8]? {
        // A 3-byte back-reference yields at most 264 bytes: a claimed length beyond that
        // cannot be true, and nothing is allocated for it.
        guard expectedLength >= 0, expectedLength / 264 <= input.count else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(expectedLength)
        var i = 0
        while i < input.count {
            let control = Int(input[i])
            i += 1
            if control < 32 {
                let run = control + 1
                guard i + run <= input.count, out.count + run <= expectedLength else { return nil }
                out.append(contentsOf: input[i..<(i + run)])
                i += run
            } else {
                var length = control >> 5
                if length == 7 {
                    guard i < input.count else { return nil }
                    length += Int(input[i])
                    i += 1
                }
                guard i < input.count else { return nil }
                let back = ((control & 0x1F) << 8) + Int(input[i]) + 1
                i += 1
                length += 2
                guard back <= out.count, out.count + length <= expectedLength else { return nil }
                var from = out.count - back
                for _ in 0..<length {
                    out.append(out[from])
                    from += 1
                }
            }
        }
        return out.count == expectedLength ? out : nil
    }
}
