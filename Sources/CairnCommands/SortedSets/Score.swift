#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnKeyspace
import CairnProtocol

/// Sorted-set scores as Redis reads and writes them.
enum Score {
    /// Redis's `getDoubleFromObject`: the whole text is a number for `strtod` (so "inf",
    /// "-inf" and hex forms are numbers), no leading space, no NaN, no overflow to ±HUGE_VAL
    /// or underflow to zero. O(n).
    static func parse(_ bytes: some Collection<UInt8>) -> Double? {
        guard let first = bytes.first, bytes.count < 5 * 1024, !bytes.contains(0) else { return nil }
        if first == 32 || (first >= 9 && first <= 13) { return nil }
        let r = strtodWhole(bytes)
        guard r.reachedEnd, !r.consumedNothing, !r.value.isNaN else { return nil }
        if r.outOfRange && (r.value.isInfinite || r.value == 0) { return nil }
        return r.value
    }

    /// C's `strtod` over `bytes` as a C string (so it stops at a NUL byte): the value,
    /// whether it read up to the end, whether it read nothing, and whether it set ERANGE.
    /// The callers apply their own rules (ZADD's scores, SORT's weights). O(n).
    static func strtodWhole(_ bytes: some Collection<UInt8>)
        -> (value: Double, reachedEnd: Bool, consumedNothing: Bool, outOfRange: Bool) {
        var cString = bytes.map { CChar(bitPattern: $0) }
        cString.append(0)
        return cString.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return (0, false, true, false) }
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            let value = strtod(base, &end)
            let stop = end ?? base
            return (value, stop.pointee == 0, stop == base, errno == ERANGE)
        }
    }

    /// `%.17g`, and "inf"/"-inf", as Redis 7.0 replies with scores. Round-trips exactly,
    /// so a score logged this way replays to the same double.
    static func format(_ value: Double) -> [UInt8] {
        if value.isInfinite { return Array((value > 0 ? "inf" : "-inf").utf8) }
        // Whole numbers below 10^17 print as their digits under %.17g: skip the C call
        // (most scores are counters and timestamps). -0 keeps its sign, as %.17g does.
        if value.magnitude < 1e17, value == value.rounded(.towardZero), !(value == 0 && value.sign == .minus) {
            var digits = DecimalDigits(Int64(value))
            return digits.withBytes { Array($0) }
        }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.17g", $0) }
        guard count > 0, Int(count) < buffer.count else { return Array("0".utf8) }
        return buffer[0..<Int(count)].map { UInt8(bitPattern: $0) }
    }

    /// One end of a score range: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`.
    struct Bound {
        var value: Double
        var exclusive: Bool

        /// Redis's `zslParseRange` for one side; nil for "min or max is not a float".
        static func parse(_ bytes: ArraySlice<UInt8>) -> Bound? {
            var text = bytes
            var exclusive = false
            if text.first == UInt8(ascii: "(") { exclusive = true; text = text.dropFirst() }
            guard !text.contains(0) else { return nil }
            // Plain strtod, as Redis: an empty text is 0, leading space is skipped.
            var cString = text.map { CChar(bitPattern: $0) }
            cString.append(0)
            let value: Double? = cString.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return nil }
                var end: UnsafeMutablePointer<CChar>? = nil
                let v = strtod(base, &end)
                guard let end, end.pointee == 0, !v.isNaN else { return nil }
                return v
            }
            return value.map { Bound(value: $0, exclusive: exclusive) }
        }

        /// Whether `score` is at or past this bound as a minimum.
        func admitsFromBelow(_ score: Double) -> Bool { exclusive ? score > value : score >= value }
        /// Whether `score` is at or before this bound as a maximum.
        func admitsFromAbove(_ score: Double) -> Bool { exclusive ? score < value : score <= value }
    }

    /// One end of a lexicographic range: `[a`, `(a`, `-`, `+`.
    enum LexBound {
        case minimum, maximum
        case inclusive(ByteString)
        case exclusive(ByteString)

        /// Redis's `zslParseLexRangeItem`; nil for "min or max not valid string range item".
        static func parse(_ bytes: ArraySlice<UInt8>) -> LexBound? {
            guard let first = bytes.first else { return nil }
            switch first {
            case UInt8(ascii: "+"): return bytes.count == 1 ? .maximum : nil
            case UInt8(ascii: "-"): return bytes.count == 1 ? .minimum : nil
            case UInt8(ascii: "["): return .inclusive(ByteString(bytes.dropFirst()))
            case UInt8(ascii: "("): return .exclusive(ByteString(bytes.dropFirst()))
            default: return nil
            }
        }

        func admitsFromBelow(_ member: ByteString) -> Bool {
            switch self {
            case .minimum: return true
            case .maximum: return false
            case .inclusive(let b): return !(member < b)
            case .exclusive(let b): return b < member
            }
        }

        func admitsFromAbove(_ member: ByteString) -> Bool {
            switch self {
            case .minimum: return false
            case .maximum: return true
            case .inclusive(let b): return !(b < member)
            case .exclusive(let b): return member < b
            }
        }
    }
}
