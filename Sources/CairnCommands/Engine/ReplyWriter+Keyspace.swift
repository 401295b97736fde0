import CairnProtocol
import CairnKeyspace

extension ReplyWriter {
    /// A bulk string from a stored value, without copying it first. O(n).
    mutating func writeBulk(_ value: ByteString) {
        value.withUnsafeBytes { writeBulk(raw: $0) }
    }

    /// A key as a bulk string. O(n).
    mutating func writeBulk(_ key: Key) {
        key.withUnsafeBytes { writeBulk(raw: $0) }
    }
}
