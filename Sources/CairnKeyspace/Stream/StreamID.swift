/// A stream entry's ID: a millisecond time and a sequence number, ordered as a pair.
public struct StreamID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var ms: UInt64
    public var seq: UInt64

    public init(ms: UInt64, seq: UInt64) {
        self.ms = ms
        self.seq = seq
    }

    public static let zero = StreamID(ms: 0, seq: 0)
    public static let max = StreamID(ms: .max, seq: .max)

    public static func < (a: StreamID, b: StreamID) -> Bool {
        a.ms != b.ms ? a.ms < b.ms : a.seq < b.seq
    }

    /// One word into the hasher rather than two: pending lists hash IDs on every
    /// delivery and acknowledgement. The odd multiplier spreads `ms` over the word.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(ms &* 0x9E37_79B9_7F4A_7C15 ^ seq)
    }

    /// `ms-seq`, as Redis prints IDs.
    public var description: String { "\(ms)-\(seq)" }

    /// `ms-seq` written into a stack buffer and handed to `body` (no allocation). O(1).
    public func withText<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &storage) { raw in
            var i = raw.count
            var value = seq
            repeat { i -= 1; raw[i] = 48 &+ UInt8(value % 10); value /= 10 } while value != 0
            i -= 1
            raw[i] = UInt8(ascii: "-")
            value = ms
            repeat { i -= 1; raw[i] = 48 &+ UInt8(value % 10); value /= 10 } while value != 0
            return body(UnsafeRawBufferPointer(rebasing: raw[i...]))
        }
    }

    /// The next ID, or nil after the largest. O(1).
    public var successor: StreamID? {
        if seq < .max { return StreamID(ms: ms, seq: seq + 1) }
        if ms < .max { return StreamID(ms: ms + 1, seq: 0) }
        return nil
    }

    /// The previous ID, or nil before the smallest. O(1).
    public var predecessor: StreamID? {
        if seq > 0 { return StreamID(ms: ms, seq: seq - 1) }
        if ms > 0 { return StreamID(ms: ms - 1, seq: .max) }
        return nil
    }

    /// Parses `ms` or `ms-seq` (decimal digits only, each at most 2^64-1); a missing
    /// sequence is `missingSequence` (0 for a range's start, the largest for its end).
    /// O(length).
    public init?(parsing text: UnsafeRawBufferPointer, missingSequence: UInt64) {
        guard let dash = text.firstIndex(of: UInt8(ascii: "-")) else {
            guard let ms = Self.number(UnsafeRawBufferPointer(rebasing: text[...])) else { return nil }
            self.init(ms: ms, seq: missingSequence)
            return
        }
        guard let ms = Self.number(UnsafeRawBufferPointer(rebasing: text[..<dash])),
              let seq = Self.number(UnsafeRawBufferPointer(rebasing: text[(dash + 1)...])) else { return nil }
        self.init(ms: ms, seq: seq)
    }

    static func number(_ digits: UnsafeRawBufferPointer) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= 48 && byte <= 57 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - 48))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }
}
