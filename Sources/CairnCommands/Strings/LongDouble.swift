#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Redis computes INCRBYFLOAT in C's `long double` and prints it with 17 decimals
/// (`ld2string`, human mode). Cairn does the same with `Float80`, so replies match Redis
/// digit for digit (10.5 + 0.1 is "10.6" here too, not 10.599999999999999644).
enum LongDouble {
    /// Longest accepted text, as Redis's MAX_LONG_DOUBLE_CHARS.
    static let maxCharacters = 5 * 1024

    /// Parses like Redis's `string2ld`: the whole text must be a number, no leading
    /// space, no NaN, no overflow to ±HUGE_VAL or underflow to zero.
    static func parse(_ bytes: [UInt8]) -> Float80? {
        guard !bytes.isEmpty, bytes.count < maxCharacters, !bytes.contains(0) else { return nil }
        let first = bytes[0]
        if first == 32 || (first >= 9 && first <= 13) { return nil }
        var cString = bytes.map { CChar(bitPattern: $0) }
        cString.append(0)
        return cString.withUnsafeMutableBufferPointer { buffer -> Float80? in
            guard let base = buffer.baseAddress else { return nil }
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            let value = strtold(base, &end)
            guard let end, end.pointee == 0, end != base else { return nil }
            if errno == ERANGE && (value.isInfinite || value == 0) { return nil }
            if value.isNaN { return nil }
            return value
        }
    }

    /// `%.17Lf` with trailing zeros (and a trailing dot) removed; "-0" becomes "0".
    static func format(_ value: Float80) -> [UInt8]? {
        var buffer = [CChar](repeating: 0, count: maxCharacters)
        let count = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.17Lf", $0) }
        guard count > 0, Int(count) < buffer.count else { return nil }
        var text = buffer[0..<Int(count)].map { UInt8(bitPattern: $0) }
        if text.contains(UInt8(ascii: ".")) {
            while text.last == UInt8(ascii: "0") { text.removeLast() }
            if text.last == UInt8(ascii: ".") { text.removeLast() }
        }
        if text == Array("-0".utf8) { text = [UInt8(ascii: "0")] }
        return text
    }
}
