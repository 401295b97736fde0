/// Parses a signed 64-bit integer the way Redis's `string2ll` does: an optional `-`,
/// then digits with no leading zero (except "0" itself), no spaces, no `+`, no overflow.
/// Returns nil for anything else. O(n).
@inlinable
public func parseStrictInt64(_ bytes: UnsafeRawBufferPointer) -> Int64? {
    let n = bytes.count
    if n == 0 || n > 20 { return nil }
    if n == 1 && bytes[0] == UInt8(ascii: "0") { return 0 }
    var i = 0
    var negative = false
    if bytes[0] == UInt8(ascii: "-") {
        negative = true
        i = 1
        if n == 1 { return nil }
    }
    // First digit must be 1-9.
    let first = bytes[i]
    guard first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9") else { return nil }
    var magnitude = UInt64(first - UInt8(ascii: "0"))
    i += 1
    while i < n {
        let c = bytes[i]
        guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
        let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
        let (m2, o2) = m1.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
        if o1 || o2 { return nil }
        magnitude = m2
        i += 1
    }
    if negative {
        if magnitude > UInt64(Int64.max) + 1 { return nil }
        return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
    }
    if magnitude > UInt64(Int64.max) { return nil }
    return Int64(magnitude)
}

/// Convenience over any byte collection. O(n).
public func parseStrictInt64<C: Collection<UInt8>>(_ bytes: C) -> Int64? {
    let array = Array(bytes)
    return array.withUnsafeBytes { parseStrictInt64($0) }
}
