import NIOCore
import CairnProtocol

/// Reaching other connections for pub/sub (and, later, keyspace notifications and
/// MONITOR): no I/O here, the bytes go out through `ServerHooks.deliver`.
extension Engine {
    /// Writes something for client `id` with `write`, in that client's protocol: into
    /// `out` when it is the client running the command (so it comes before the command's
    /// own reply, as in Redis), else to its connection. O(the message).
    func send(to id: Int64, from c: CommandContext, _ out: inout ReplyWriter, _ write: (inout ReplyWriter) -> Void) {
        if id == c.client.id {
            write(&out)
            return
        }
        guard let client = clients[id] else { return }
        var w = ReplyWriter(buffer: servedReplyScratch)
        servedReplyScratch = ByteBuffer()
        w.buffer.clear()
        w.resp3 = client.protocolVersion == 3
        write(&w)
        hooks?.deliver(w.buffer, to: id, waitsForLog: false)
        servedReplyScratch = w.buffer
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
