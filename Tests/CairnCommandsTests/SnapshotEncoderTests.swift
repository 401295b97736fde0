import Testing
import NIOCore
import CairnKeyspace
@testable import CairnCommands

@Suite struct SnapshotEncoderTests {
    static let now: Int64 = 1_700_000_000_000

    /// The base-file text for `keyspace`, all chunks joined.
    func encode(_ keyspace: Keyspace) -> (text: String, chunks: [Int], keys: Int) {
        var encoder = SnapshotEncoder()
        var text = ""
        var chunks: [Int] = []
        encoder.encode(keyspace, now: Self.now) { chunk in
            chunks.append(chunk.readableBytes)
            text += String(buffer: chunk)
        }
        return (text, chunks, encoder.keysWritten)
    }

    @Test func writesEachLiveKeyAsOneCommandWithAbsoluteExpiry() {
        var keyspace = Keyspace(databaseCount: 4)
        keyspace.databases[0].set(Key("plain"), Entry(value: .string(ByteString("v"))), now: Self.now)
        keyspace.databases[0].set(Key("gone"), Entry(value: .string(ByteString("x")), expireAt: Self.now - 1), now: Self.now)
        keyspace.databases[3].set(Key("ttl"), Entry(value: .string(ByteString(String(repeating: "z", count: 12))),
                                                    expireAt: Self.now + 5000), now: Self.now)
        let (text, _, keys) = encode(keyspace)
        #expect(keys == 2)
        #expect(text == "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$5\r\nplain\r\n$1\r\nv\r\n"
            + "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*5\r\n$3\r\nSET\r\n$3\r\nttl\r\n$12\r\nzzzzzzzzzzzz\r\n"
            + "$4\r\nPXAT\r\n$13\r\n1700000005000\r\n")
    }

    @Test func splitsLargeKeyspacesIntoChunksOfAboutChunkSize() {
        var keyspace = Keyspace(databaseCount: 1)
        let value = ByteString(String(repeating: "v", count: 100))
        for i in 0..<5000 { keyspace.databases[0].set(Key("key:\(i)"), Entry(value: .string(value)), now: Self.now) }
        let (text, chunks, keys) = encode(keyspace)
        #expect(keys == 5000)
        #expect(chunks.count > 5)
        #expect(chunks.dropLast().allSatisfy { $0 >= SnapshotEncoder.chunkSize && $0 < SnapshotEncoder.chunkSize + 200 })
        #expect(text.split(separator: "*3\r\n$3\r\nSET\r\n").count - 1 == 5000)  // the first piece is the SELECT
        #expect(text.contains("$8\r\nkey:4999\r\n$100\r\n" + String(repeating: "v", count: 100) + "\r\n"))
    }
}
