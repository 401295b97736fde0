import OrderedCollections
import CairnProtocol
import CairnKeyspace

/// SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH
/// and PUBSUB, as Redis 7.0 (non-cluster: shard channels are a namespace of their own).
/// Messages reach other connections through `Engine.publish`; confirmations and
/// messages are push frames in RESP3 and arrays in RESP2.
enum PubSubCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("subscribe", arity: -2, flags: [.pubsub, .noscript, .loading, .stale], group: "pubsub", since: "2.0.0",
                    complexity: "O(N) where N is the number of channels to subscribe to.",
                    summary: "Listens for messages published to channels.", syntax: "channel [channel ...]",
                    run: { c, o in subscribe(c, &o, .channel) }),
        CommandSpec("unsubscribe", arity: -1, flags: [.pubsub, .noscript, .loading, .stale], group: "pubsub", since: "2.0.0",
                    complexity: "O(N) where N is the number of channels to unsubscribe.",
                    summary: "Stops listening to messages posted to channels.", syntax: "[channel [channel ...]]",
                    run: { c, o in unsubscribe(c, &o, .channel) }),
        CommandSpec("psubscribe", arity: -2, flags: [.pubsub, .noscript, .loading, .stale], group: "pubsub", since: "2.0.0",
                    complexity: "O(N) where N is the number of patterns to subscribe to.",
                    summary: "Listens for messages published to channels that match one or more patterns.", syntax: "pattern [pattern ...]",
                    run: { c, o in subscribe(c, &o, .pattern) }),
        CommandSpec("punsubscribe", arity: -1, flags: [.pubsub, .noscript, .loading, .stale], group: "pubsub", since: "2.0.0",
                    complexity: "O(N) where N is the number of patterns to unsubscribe.",
                    summary: "Stops listening to messages published to channels that match one or more patterns.", syntax: "[pattern [pattern ...]]",
                    run: { c, o in unsubscribe(c, &o, .pattern) }),
        CommandSpec("ssubscribe", arity: -2, flags: [.pubsub, .noscript, .loading, .stale], keys: (1, -1, 1), group: "pubsub", since: "7.0.0",
                    complexity: "O(N) where N is the number of shard channels to subscribe to.",
                    summary: "Listens for messages published to shard channels.", syntax: "shardchannel [shardchannel ...]",
                    run: { c, o in subscribe(c, &o, .shardChannel) }),
        CommandSpec("sunsubscribe", arity: -1, flags: [.pubsub, .noscript, .loading, .stale], keys: (1, -1, 1), group: "pubsub", since: "7.0.0",
                    complexity: "O(N) where N is the number of shard channels to unsubscribe.",
                    summary: "Stops listening to messages posted to shard channels.", syntax: "[shardchannel [shardchannel ...]]",
                    run: { c, o in unsubscribe(c, &o, .shardChannel) }),
        CommandSpec("publish", arity: 3, flags: [.pubsub, .loading, .stale, .fast], group: "pubsub", since: "2.0.0",
                    complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
                    summary: "Posts a message to a channel.", syntax: "channel message", run: { c, o in publish(c, &o, shard: false) }),
        CommandSpec("spublish", arity: 3, flags: [.pubsub, .loading, .stale, .fast], keys: (1, 1, 1), group: "pubsub", since: "7.0.0",
                    complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.",
                    summary: "Post a message to a shard channel", syntax: "shardchannel message", run: { c, o in publish(c, &o, shard: true) }),
        CommandSpec("pubsub", arity: -2, flags: [], group: "pubsub", since: "2.8.0", complexity: "Depends on subcommand.",
                    summary: "A container for Pub/Sub commands.",
                    subcommands: [
                        CommandSpec("pubsub|channels", arity: -2, flags: [.pubsub, .loading, .stale], group: "pubsub", since: "2.8.0",
                                    complexity: "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
                                    summary: "Returns the active channels.", syntax: "[pattern]", run: { c, o in channels(c, &o, shard: false) }),
                        CommandSpec("pubsub|numsub", arity: -2, flags: [.pubsub, .loading, .stale], group: "pubsub", since: "2.8.0",
                                    complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
                                    summary: "Returns a count of subscribers to channels.", syntax: "[channel [channel ...]]", run: { c, o in numsub(c, &o, shard: false) }),
                        CommandSpec("pubsub|numpat", arity: 2, flags: [.pubsub, .loading, .stale], group: "pubsub", since: "2.8.0", complexity: "O(1)",
                                    summary: "Returns a count of unique pattern subscriptions.", run: { c, o in o.writeIntegerReply(Int64(c.engine.pubsub.patterns.count)) }),
                        CommandSpec("pubsub|shardchannels", arity: -2, flags: [.pubsub, .loading, .stale], group: "pubsub", since: "7.0.0",
                                    complexity: "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
                                    summary: "Returns the active shard channels.", syntax: "[pattern]", run: { c, o in channels(c, &o, shard: true) }),
                        CommandSpec("pubsub|shardnumsub", arity: -2, flags: [.pubsub, .loading, .stale], group: "pubsub", since: "7.0.0",
                                    complexity: "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
                                    summary: "Returns the count of subscribers of shard channels.", syntax: "[shardchannel [shardchannel ...]]", run: { c, o in numsub(c, &o, shard: true) }),
                        CommandSpec("pubsub|help", arity: 2, flags: [.loading, .stale], group: "pubsub", since: "6.2.0", categories: [],
                                    summary: "Returns helpful text about the different subcommands.", run: help),
                    ],
                    run: { _, _ in }),
    ]

    /// The commands a RESP2 client may send while it has subscriptions, and Redis's error.
    static let allowedWhileSubscribed: Set<String> = ["ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe",
                                                      "psubscribe", "punsubscribe", "quit", "reset"]

    static func notAllowedWhileSubscribed(_ name: String) -> String {
        "ERR Can't execute '\(name)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    }

    static func verb(_ kind: PubSubRegistry.Kind, subscribing: Bool) -> String {
        let base: String
        switch kind {
        case .channel: base = "subscribe"
        case .pattern: base = "psubscribe"
        case .shardChannel: base = "ssubscribe"
        }
        if subscribing { return base }
        return base == "subscribe" ? "unsubscribe" : String(base.prefix(1)) + "un" + base.dropFirst()
    }

    /// One confirmation per name, with the client's count after it. O(names).
    static func subscribe(_ c: CommandContext, _ out: inout ReplyWriter, _ kind: PubSubRegistry.Kind) {
        for i in 1..<c.args.count {
            let name = c.value(i)
            if c.client.subscriptions[kind].append(name).inserted {
                _ = c.engine.pubsub.subscribe(c.client, to: name, kind)
            }
            writeConfirmation(verb(kind, subscribing: true), name, count: c.client.subscriptionCount(for: kind), &out)
        }
    }

    /// The names given, or every subscription of that kind; with none at all, one
    /// confirmation with a nil name. O(names × their subscribers).
    static func unsubscribe(_ c: CommandContext, _ out: inout ReplyWriter, _ kind: PubSubRegistry.Kind) {
        let names = c.args.count > 1 ? (1..<c.args.count).map(c.value) : Array(c.client.subscriptions[kind])
        if names.isEmpty {
            writeConfirmation(verb(kind, subscribing: false), nil, count: c.client.subscriptionCount(for: kind), &out)
            return
        }
        for name in names {
            if c.client.subscriptions[kind].remove(name) != nil {
                _ = c.engine.pubsub.unsubscribe(c.client.id, from: name, kind)
            }
            writeConfirmation(verb(kind, subscribing: false), name, count: c.client.subscriptionCount(for: kind), &out)
        }
    }

    static func writeConfirmation(_ verb: String, _ name: ByteString?, count: Int, _ out: inout ReplyWriter) {
        out.writePushHeader(3)
        out.writeBulk(verb)
        if let name { out.writeBulk(name) } else { out.writeNull() }
        out.writeIntegerReply(Int64(count))
    }

    /// PUBLISH/SPUBLISH channel message: to the channel's subscribers, then (PUBLISH) to
    /// the subscribers of each matching pattern; replies how many received it.
    /// O(receivers + patterns).
    static func publish(_ c: CommandContext, _ out: inout ReplyWriter, shard: Bool) {
        let channel = c.value(1), message = c.value(2)
        // The publisher's own copy (a RESP3 subscriber of its channel) comes before the count.
        let received = c.engine.publish(channel, message, shard: shard) { out.buffer.writeImmutableBuffer($0) }
        out.writeIntegerReply(Int64(received))
    }

    static func channels(_ c: CommandContext, _ out: inout ReplyWriter, shard: Bool) {
        guard c.args.count <= 3 else {
            out.writeError("ERR unknown subcommand or wrong number of arguments for '\(c.args.string(1))'. Try PUBSUB HELP.")
            return
        }
        let pattern = c.args.count == 3 ? c.args[2] : nil
        let table = shard ? c.engine.pubsub.shardChannels : c.engine.pubsub.channels
        let names = table.keys.filter { name in pattern.map { GlobPattern.matches($0, name.bytes) } ?? true }
        out.writeArrayHeader(names.count)
        for name in names { out.writeBulk(name) }
    }

    static func numsub(_ c: CommandContext, _ out: inout ReplyWriter, shard: Bool) {
        let table = shard ? c.engine.pubsub.shardChannels : c.engine.pubsub.channels
        out.writeArrayHeader((c.args.count - 2) * 2)
        for i in 2..<max(c.args.count, 2) {
            out.writeBulk(c.args[i])
            out.writeIntegerReply(Int64(table[c.value(i)]?.count ?? 0))
        }
    }

    static func help(_ c: CommandContext, _ out: inout ReplyWriter) {
        let lines = [
            "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
            "HELP",
            "    Prints this help.",
        ]
        out.writeHelp(lines)
    }
}
