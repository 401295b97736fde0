public import NIOCore
public import CairnKeyspace
import CairnProtocol

/// Turns a keyspace snapshot into the commands that rebuild it: the body of a base file.
///
/// Each database that has keys starts with `SELECT n`; each live key becomes one command
/// (`SET key value`, with `PXAT <ms>` when it expires; collection types will write up to
/// 64 elements per command). Expired keys are skipped. Output comes in chunks of about
/// `chunkSize` bytes, each to be written as one checksummed batch.
public struct SnapshotEncoder {
    public static let chunkSize = 64 * 1024

    public private(set) var keysWritten = 0

    public init() {}

    /// Encodes `snapshot`, calling `emit` with each full chunk; consumes the snapshot
    /// segment by segment so its memory is released as it goes. O(keys).
    public mutating func encode(_ snapshot: consuming Keyspace, now: Int64, emit: (ByteBuffer) throws -> Void) rethrows {
        var keyspace = snapshot
        var chunk = ByteBufferAllocator().buffer(capacity: Self.chunkSize + 1024)
        for db in keyspace.databases.indices where keyspace.databases[db].count > 0 {
            chunk.writeArrayHeader(2)
            chunk.writeBulk("SELECT".utf8)
            chunk.writeBulkDecimal(Int64(db))
            for s in 0..<Database.segmentCount {
                let entries = keyspace.databases[db].takeSegment(s)
                if entries.isEmpty { continue }
                for (key, entry) in entries where !entry.isExpired(at: now) {
                    Self.append(key, entry, to: &chunk)
                    keysWritten += 1
                    if chunk.readableBytes >= Self.chunkSize {
                        try emit(chunk)
                        chunk.clear()
                    }
                }
            }
        }
        if chunk.readableBytes > 0 { try emit(chunk) }
    }

    static func append(_ key: Key, _ entry: Entry, to out: inout ByteBuffer) {
        switch entry.value {
        case .string(let value):
            out.writeArrayHeader(entry.isVolatile ? 5 : 3)
            out.writeBulk("SET".utf8)
            key.withUnsafeBytes { out.writeBulk(raw: $0) }
            value.withUnsafeBytes { out.writeBulk(raw: $0) }
            if entry.isVolatile {
                out.writeBulk("PXAT".utf8)
                out.writeBulkDecimal(entry.expireAt)
            }
        }
    }
}
