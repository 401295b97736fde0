import NIOCore
import CairnProtocol
import CairnKeyspace

/// Reaching other connections for pub/sub, keyspace notifications and MONITOR: no I/O
/// here, the bytes go out through each client's `ClientOutlet`.
extension Engine {
    /// PUBLISH's delivery, shared by PUBLISH, SPUBLISH and keyspace notifications: to the
    /// channel's subscribers, then (not for shard channels) to the subscribers of each
    /// matching pattern. The running client's own copy goes to `toCaller`, which puts it
    /// where its reply stream wants it. Returns how many received it.
    /// O(receivers + patterns).
    @discardableResult
    func publish(_ channel: ByteString, _ message: ByteString, shard: Bool = false,
                 toCaller: (ByteBuffer) -> Void) -> Int {
        if shard {
            let ids = pubsub.shardReceivers(of: channel)
            broadcast(to: ids, toCaller: toCaller) { w in
                w.writePushHeader(3); w.writeBulk("smessage"); w.writeBulk(channel); w.writeBulk(message)
            }
            return ids.count
        }
        let (direct, byPattern) = pubsub.receivers(of: channel)
        broadcast(to: direct, toCaller: toCaller) { w in
            w.writePushHeader(3); w.writeBulk("message"); w.writeBulk(channel); w.writeBulk(message)
        }
        var i = byPattern.startIndex
        while i < byPattern.endIndex {
            // Subscribers of one pattern share its encoded message.
            let pattern = byPattern[i].pattern
            var j = i
            while j < byPattern.endIndex && byPattern[j].pattern == pattern { j += 1 }
            broadcast(to: byPattern[i..<j].lazy.map(\.client), toCaller: toCaller) { w in
                w.writePushHeader(4); w.writeBulk("pmessage"); w.writeBulk(pattern); w.writeBulk(channel); w.writeBulk(message)
            }
            i = j
        }
        return direct.count + byPattern.count
    }

    /// Delivers what `write` produces to each of `ids`, encoded once per protocol (so a
    /// PUBLISH to many subscribers encodes twice at most): through their outlets, or to
    /// `toCaller` for the client whose command is running (its connection is writing that
    /// command's reply). Messages, notifications and the MONITOR feed all go this way.
    /// O(receivers × message length) in copies, O(message length) in encoding.
    func broadcast(to ids: some Sequence<Int64>, toCaller: (ByteBuffer) -> Void, _ write: (inout ReplyWriter) -> Void) {
        var encoded: [ByteBuffer?] = [nil, nil]
        for id in ids {
            guard let client = clients[id] else { continue }
            let slot = client.protocolVersion == 3 ? 1 : 0
            if encoded[slot] == nil {
                var w = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 64), resp3: slot == 1)
                write(&w)
                encoded[slot] = w.buffer
            }
            guard let bytes = encoded[slot] else { continue }
            if client === executingClient {
                toCaller(bytes)
            } else {
                client.outlet?.deliver(bytes, waitsForLog: false)
            }
        }
    }

    /// For messages that follow the running command's reply (notifications, MONITOR).
    func appendToCallerBacklog(_ bytes: ByteBuffer) {
        callerBacklog.writeImmutableBuffer(bytes)
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
