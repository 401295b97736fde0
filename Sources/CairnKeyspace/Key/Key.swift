/// A key: arbitrary bytes plus their hash, computed once when the key is built.
///
/// Keys of up to 23 bytes (most real keys) live inline in three words, so building a
/// key to look one up allocates nothing and comparing two keys touches no memory outside
/// the hash table's own slots. Longer keys keep their bytes in an array.
///
/// The stored hash serves twice: it picks the key's segment in a `Database` and it is
/// what the segment's `Dictionary` hashes, so the bytes are hashed once per command.
public struct Key: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let inlineCapacity = 23

    public let hash: UInt64
    /// Inline bytes; the top byte of `w2` holds the length, or 0xFF for a heap key.
    @usableFromInline let w0: UInt64, w1: UInt64, w2: UInt64
    @usableFromInline let heap: [UInt8]?

    /// O(n) in the key's length; no allocation up to `inlineCapacity` bytes.
    @inlinable public init(_ raw: UnsafeRawBufferPointer) {
        hash = KeyHash.hash(raw)
        if raw.count <= Self.inlineCapacity {
            var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
            withUnsafeMutableBytes(of: &words) { dst in
                if let base = raw.baseAddress, raw.count > 0 {
                    dst.baseAddress?.copyMemory(from: base, byteCount: raw.count)
                }
                dst[23] = UInt8(truncatingIfNeeded: raw.count)
            }
            (w0, w1, w2) = words
            heap = nil
        } else {
            (w0, w1, w2) = (0, 0, 0xFF << 56)
            heap = Array(raw)
        }
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

    /// Length in bytes. O(1).
    @inlinable public var count: Int {
        let tag = Int(w2 >> 56)
        return tag == 0xFF ? (heap?.count ?? 0) : tag
    }

    /// Calls `body` with the key's bytes, without copying them. O(1) plus the body.
    @inlinable public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let heap { return try heap.withUnsafeBytes(body) }
        let n = count
        return try Swift.withUnsafeBytes(of: (w0, w1, w2)) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }

    /// The key's bytes as a new array. O(n).
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    @inlinable public static func == (lhs: Key, rhs: Key) -> Bool {
        lhs.hash == rhs.hash && lhs.w0 == rhs.w0 && lhs.w1 == rhs.w1 && lhs.w2 == rhs.w2 && lhs.heap == rhs.heap
    }

    @inlinable public func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }

    /// Byte-wise order, as Redis sorts keys (memcmp, shorter first on a tie). O(n).
    public static func < (lhs: Key, rhs: Key) -> Bool {
        lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in a.lexicographicallyPrecedes(b) } }
    }

    public var description: String { String(decoding: bytes, as: UTF8.self) }
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
