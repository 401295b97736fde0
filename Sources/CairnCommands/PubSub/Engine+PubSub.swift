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
            guard let receivers = pubsub.shardReceivers(of: channel) else { return 0 }
            broadcast(to: receivers, toCaller: toCaller) { w in
                w.writePushHeader(3); w.writeBulk("smessage"); w.writeBulk(channel); w.writeBulk(message)
            }
            return receivers.count
        }
        let (direct, byPattern) = pubsub.receivers(of: channel)
        var count = 0
        if let direct {
            broadcast(to: direct, toCaller: toCaller) { w in
                w.writePushHeader(3); w.writeBulk("message"); w.writeBulk(channel); w.writeBulk(message)
            }
            count = direct.count
        }
        for (pattern, receivers) in byPattern {
            // Subscribers of one pattern share its encoded message.
            broadcast(to: receivers, toCaller: toCaller) { w in
                w.writePushHeader(4); w.writeBulk("pmessage"); w.writeBulk(pattern); w.writeBulk(channel); w.writeBulk(message)
            }
            count += receivers.count
        }
        return count
    }

    /// Delivers what `write` produces to each of `receivers`, encoded once per protocol
    /// (so a PUBLISH to many subscribers encodes twice at most): through their outlets, or
    /// to `toCaller` for the client whose command is running (its connection is writing
    /// that command's reply). Messages, notifications and the MONITOR feed all go this way.
    /// O(receivers × message length) in copies, O(message length) in encoding.
    func broadcast(to receivers: some Sequence<ClientSession>, toCaller: (ByteBuffer) -> Void,
                   _ write: (inout ReplyWriter) -> Void) {
        var resp2: ByteBuffer?
        var resp3: ByteBuffer?
        let caller = executingClient
        for client in receivers {
            let bytes: ByteBuffer
            if client.protocolVersion == 3 {
                if let encoded = resp3 { bytes = encoded } else { bytes = Self.encode(resp3: true, write); resp3 = bytes }
            } else {
                if let encoded = resp2 { bytes = encoded } else { bytes = Self.encode(resp3: false, write); resp2 = bytes }
            }
            if client === caller {
                toCaller(bytes)
            } else {
                client.outlet?.deliver(bytes, waitsForLog: false)
            }
        }
    }

    private static func encode(resp3: Bool, _ write: (inout ReplyWriter) -> Void) -> ByteBuffer {
        var w = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 64), resp3: resp3)
        write(&w)
        return w.buffer
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
