/// Bytes with a small-string optimisation: up to 22 bytes live inline, longer ones in an
/// array, and either way the value is 24 bytes (the enum's tag takes the 24th byte, so a
/// `Value` holding one and a `Key` are 24 and 32 bytes with no padding). Keys and string
/// values both use it, so most keys and values cost no allocation of their own and
/// reading them touches no memory outside the hash table's slot (Redis gets the same from
/// its embedded strings).
///
/// Invariant: a value of up to `inlineCapacity` bytes is always stored inline, so two
/// equal values always have the same representation.
public struct ByteString: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let inlineCapacity = 22

    /// 23 bytes: 22 of data, zero-padded, then the length. Fields sized so that the
    /// struct has no padding and the enum around it needs only one more byte.
    @usableFromInline struct InlineBytes: Sendable, Equatable {
        @usableFromInline var w0: UInt64 = 0
        @usableFromInline var w1: UInt64 = 0
        @usableFromInline var w2: UInt32 = 0
        @usableFromInline var w3: UInt16 = 0
        @usableFromInline var length: UInt8 = 0

        @inlinable init() {}
    }

    @usableFromInline enum Storage: Sendable {
        case inline(InlineBytes)
        case heap([UInt8])
    }

    @usableFromInline var storage: Storage

    /// The empty string. O(1).
    @inlinable public init() { storage = .inline(InlineBytes()) }

    /// O(n); no allocation up to `inlineCapacity` bytes.
    @inlinable public init(_ raw: UnsafeRawBufferPointer) {
        if raw.count <= Self.inlineCapacity {
            var inline = InlineBytes()
            withUnsafeMutableBytes(of: &inline) { dst in
                if let base = raw.baseAddress, raw.count > 0 {
                    dst.baseAddress?.copyMemory(from: base, byteCount: raw.count)
                }
            }
            inline.length = UInt8(truncatingIfNeeded: raw.count)
            storage = .inline(inline)
        } else {
            storage = .heap(Array(raw))
        }
    }

    /// O(n). Takes the array as it is when it is too long to store inline.
    @inlinable public init(_ bytes: [UInt8]) {
        if bytes.count <= Self.inlineCapacity {
            self = bytes.withUnsafeBytes { ByteString($0) }
        } else {
            storage = .heap(bytes)
        }
    }

    /// O(n).
    @inlinable public init(_ bytes: ArraySlice<UInt8>) {
        self = bytes.withUnsafeBytes { ByteString($0) }
    }

    /// O(n).
    public init(_ text: String) {
        self.init(Array(text.utf8))
    }

    /// Length in bytes. O(1).
    @inlinable public var count: Int {
        switch storage {
        case .inline(let inline): return Int(inline.length)
        case .heap(let array): return array.count
        }
    }

    @inlinable public var isEmpty: Bool { count == 0 }

    /// Calls `body` with the bytes, without copying them. O(1) plus the body.
    @inlinable public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch storage {
        case .inline(let inline):
            let n = Int(inline.length)
            return try Swift.withUnsafeBytes(of: inline) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        case .heap(let array):
            return try array.withUnsafeBytes(body)
        }
    }

    /// The bytes as a new array. O(n).
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// Mutates the bytes as an array, in place when they are already a uniquely held
    /// array; returns to inline storage if the result is short. O(n) for inline values
    /// (they are copied out and back), O(1) plus the body for long ones.
    @inlinable public mutating func withMutableBytes<R>(_ body: (inout [UInt8]) throws -> R) rethrows -> R {
        var array: [UInt8]
        switch storage {
        case .inline:
            array = bytes
        case .heap(let existing):
            array = existing
            // Drop this value's reference so `array` is the only one and mutates in place.
            storage = .inline(InlineBytes())
        }
        let result = try body(&array)
        self = ByteString(array)
        return result
    }

    @inlinable public static func == (lhs: ByteString, rhs: ByteString) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case let (.inline(a), .inline(b)):
            return a == b
        case let (.heap(a), .heap(b)):
            return a == b
        default:
            return false
        }
    }

    /// Hashes the bytes (hash fields are ByteStrings). O(n).
    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// Byte-wise order (memcmp, shorter first on a tie). O(n).
    public static func < (lhs: ByteString, rhs: ByteString) -> Bool {
        lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in a.lexicographicallyPrecedes(b) } }
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
}
