/// A key: its bytes (inline when short, see `ByteString`) plus their hash, computed once
/// when the key is built.
///
/// The stored hash serves twice: it picks the key's segment in a `Database` and it is
/// what the segment's `Dictionary` hashes, so the bytes are hashed once per command.
/// Equality rejects on the hash before comparing bytes.
public struct Key: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let hash: UInt64
    public let name: ByteString

    /// O(n) in the key's length; no allocation for short keys.
    @inlinable public init(_ raw: UnsafeRawBufferPointer) {
        hash = KeyHash.hash(raw)
        name = ByteString(raw)
    }

    /// O(n).
    @inlinable public init(_ bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { Key($0) }
    }

    /// O(n).
    @inlinable public init(_ slice: ArraySlice<UInt8>) {
        self = slice.withUnsafeBytes { Key($0) }
    }

    /// O(n).
    public init(_ text: String) {
        self.init(Array(text.utf8))
    }

    /// O(n).
    @inlinable public init(_ name: ByteString) {
        self = name.withUnsafeBytes { Key($0) }
    }

    /// Length in bytes. O(1).
    @inlinable public var count: Int { name.count }

    /// Calls `body` with the key's bytes, without copying them. O(1) plus the body.
    @inlinable public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try name.withUnsafeBytes(body)
    }

    /// The key's bytes as a new array. O(n).
    public var bytes: [UInt8] { name.bytes }

    @inlinable public static func == (lhs: Key, rhs: Key) -> Bool {
        lhs.hash == rhs.hash && lhs.name == rhs.name
    }

    @inlinable public func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }

    /// Byte-wise order, as Redis sorts keys. O(n).
    public static func < (lhs: Key, rhs: Key) -> Bool { lhs.name < rhs.name }

    public var description: String { name.description }
}

/// A fast 64-bit hash over bytes, seeded once per process so that which keys share a
/// segment cannot be predicted from outside.
public enum KeyHash {
    public static let seed: UInt64 = UInt64.random(in: .min ... .max)

    /// O(n).
    @inlinable public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h = seed ^ (UInt64(truncatingIfNeeded: bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        let n = bytes.count
        var i = 0
        while i + 8 <= n {
            let w = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = mix(h, w)
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(bytes[i]) << shift
                shift += 8
                i += 1
            }
            h = mix(h, tail)
        }
        return finalize(h)
    }

    @inlinable static func mix(_ h: UInt64, _ w: UInt64) -> UInt64 {
        let x = (h ^ (w &* 0x87C3_7B91_1142_53D5))
        return ((x << 31) | (x >> 33)) &* 0x4CF5_AD43_2745_937F
    }

    /// MurmurHash3's 64-bit finaliser: every input bit affects every output bit.
    @inlinable static func finalize(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }
}
