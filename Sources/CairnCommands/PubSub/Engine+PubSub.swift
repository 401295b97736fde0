import NIOCore
import CairnProtocol

/// Reaching other connections for pub/sub (and, later, keyspace notifications and
/// MONITOR): no I/O here, the bytes go out through each client's `ClientOutlet`.
extension Engine {
    /// Delivers a message encoded once per protocol to each of `ids`: the same bytes go
    /// to every subscriber of a protocol (a PUBLISH to many subscribers encodes twice at
    /// most). The client running the command gets it in `out`, before its own reply.
    /// O(receivers × message length) in copies, O(message length) in encoding.
    func broadcast(to ids: some Sequence<Int64>, from c: CommandContext, _ out: inout ReplyWriter,
                   _ write: (inout ReplyWriter) -> Void) {
        var encoded: [ByteBuffer?] = [nil, nil]
        for id in ids {
            if id == c.client.id {
                write(&out)
                continue
            }
            guard let client = clients[id] else { continue }
            let slot = client.protocolVersion == 3 ? 1 : 0
            if encoded[slot] == nil {
                var w = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 64), resp3: slot == 1)
                write(&w)
                encoded[slot] = w.buffer
            }
            if let bytes = encoded[slot] { client.outlet?.deliver(bytes, waitsForLog: false) }
        }
    }

    /// A disconnecting client's subscriptions end. O(its subscriptions × their subscribers).
    func unsubscribeAll(_ client: ClientSession) {
        for kind in PubSubRegistry.Kind.allCases {
            for name in client.subscriptions[kind] { _ = pubsub.unsubscribe(client.id, from: name, kind) }
            client.subscriptions[kind] = []
        }
    }

    /// INFO's pubsub_channels, pubsub_patterns, pubsubshard_channels. O(1).
    public var pubsubCounts: (channels: Int, patterns: Int, shardChannels: Int) {
        (pubsub.channels.count, pubsub.patterns.count, pubsub.shardChannels.count)
    }
}
