public import CairnKeyspace
public import CairnConfig
import OrderedCollections
/// The state of one connected client that commands can see and change: its database,
/// its name, what it ran last. Owned by the engine's event loop; never shared.
public final class ClientSession {
    public let id: Int64
    public var name: String = ""
    /// Selected database (SELECT).
    public var db = 0
    public let address: String
    public let localAddress: String
    /// Unix ms at connect and at the last command.
    public let createdAt: Int64
    public var lastInteraction: Int64
    /// The last command run, for CLIENT LIST's `cmd=`.
    public var lastCommand: CommandSpec?
    /// Reply protocol chosen with HELLO: 2 or 3.
    public var protocolVersion = 2
    /// What the client is doing besides running commands as they come (see `ClientState`).
    public var state = ClientState.normal
    /// Its connection, for bytes made outside its own read (set by the server; dropped on
    /// disconnect, which ends the reference cycle with the connection).
    public var outlet: (any ClientOutlet)?
    /// Channels, patterns and shard channels it listens to, in subscription order.
    var subscriptions = Subscriptions()
    /// The MULTI block being queued, if any.
    public var transaction: Transaction?
    /// Keys this client WATCHes.
    var watchedKeys: [(db: Int, key: Key)] = []
    /// A watched key changed since WATCH: the next EXEC fails.
    var watchBroken = false
    /// Bytes waiting in the query buffer, reported by the connection for CLIENT LIST.
    public var queryBufferLength = 0
    /// CLIENT NO-EVICT: never evicted for memory (kept for maxmemory's client eviction).
    public var noEvict = false
    /// CLIENT NO-TOUCH: its reads do not change keys' access times (TOUCH still does).
    public var noTouch = false
    /// Whether the connection may run commands beyond AUTH, HELLO, QUIT and RESET
    /// (internal sessions — the log's loader, scripts — always may).
    public var authenticated = true
    /// The ACL user it runs as (nil: an internal session, allowed everything).
    public var user: ACLUser?
    /// CLIENT REPLY OFF / SKIP.
    public var replyControl = ReplyControl()

    /// Connected from this host's loopback interface (or made by the server itself).
    public var isLocal: Bool {
        address.hasPrefix("127.") || address.hasPrefix("[::1]") || address.hasPrefix("::1") || address.hasPrefix("[::ffff:127.")
            || !address.contains(":")
    }

    public init(id: Int64, address: String, localAddress: String, now: Int64) {
        self.id = id
        self.address = address
        self.localAddress = localAddress
        self.createdAt = now
        self.lastInteraction = now
    }
}

/// A client's state. MULTI is not a case: a client queueing a transaction is otherwise
/// normal (its `transaction` holds the queue); neither is having subscriptions (see
/// `Subscriptions`).
public enum ClientState {
    case normal
    /// Parked by a blocking command until a key it waits on is ready, its deadline
    /// passes, CLIENT UNBLOCK, or it disconnects. Its further requests wait unread.
    case blocked(BlockedRequest)
    /// In MONITOR: receives every command run; may not read or write keys (as Redis
    /// treats it, like a replica).
    case monitoring
    /// QUIT (or CLIENT KILL of itself): close once the replies so far are written.
    case closing

    public var isBlocked: Bool {
        if case .blocked = self { return true }
        return false
    }
}

/// What a blocked client waits for, and what to run again when it may be served.
public struct BlockedRequest {
    /// The blocking command's arguments, copied out of the decoder's buffer.
    public let command: [[UInt8]]
    /// The database it was sent to, and the keys it waits on there.
    public let db: Int
    public let keys: [Key]
    /// Unix ms after which it gets its timeout reply; 0: never.
    public let deadline: Int64
    /// What it answers on timeout: a null array (BLPOP, BZPOPMIN, BLMPOP…) or null bulk (BLMOVE).
    public let timeoutReply: TimeoutReply
    /// Why it waits: for keys (a blocking command), or for CLIENT PAUSE to end (then its
    /// command has not run yet, and runs when the pause ends).
    public var reason = Reason.keys

    public enum Reason: Sendable {
        case keys, clientPause
    }

    public enum TimeoutReply: Sendable {
        case nullArray, nullBulk
    }
}

/// A client's pub/sub subscriptions. Not a `ClientState` case: in RESP3 a subscribed
/// client runs every command (and may block), and in RESP2 the restriction to the
/// pub/sub commands follows from having any subscription (`isInSubscribedContext`).
struct Subscriptions {
    private var channels: OrderedSet<ByteString> = []
    private var patterns: OrderedSet<ByteString> = []
    private var shardChannels: OrderedSet<ByteString> = []

    subscript(kind: PubSubRegistry.Kind) -> OrderedSet<ByteString> {
        get {
            switch kind {
            case .channel: return channels
            case .pattern: return patterns
            case .shardChannel: return shardChannels
            }
        }
        _modify {
            // Recounted however the access ends.
            defer { total = channels.count + patterns.count + shardChannels.count }
            switch kind {
            case .channel: yield &channels
            case .pattern: yield &patterns
            case .shardChannel: yield &shardChannels
            }
        }
    }

    /// All three counts together, kept as they change: asked several times per request
    /// (the client's class for its output limit, the RESP2 subscribed context). O(1).
    private(set) var total = 0
}

extension ClientSession {
    /// The count a (un)subscribe confirmation carries: channels and patterns together,
    /// shard channels on their own (Redis 7.0). O(1).
    func subscriptionCount(for kind: PubSubRegistry.Kind) -> Int {
        switch kind {
        case .channel, .pattern: return subscriptions[.channel].count + subscriptions[.pattern].count
        case .shardChannel: return subscriptions[.shardChannel].count
        }
    }

    /// Whether it listens to any channel, pattern or shard channel. O(1).
    public var hasSubscriptions: Bool { subscriptions.total > 0 }

    /// Its class for `client-output-buffer-limit` and CLIENT LIST/KILL TYPE: `pubsub`
    /// while it has subscriptions (in either protocol; a MONITOR client stays `normal`),
    /// as Redis's `getClientType`. O(1).
    public var clientClass: ClientClass { subscriptions.total > 0 ? .pubsub : .normal }

    /// A RESP2 client with subscriptions may only send the pub/sub commands, PING, QUIT
    /// and RESET. O(1).
    var isInSubscribedContext: Bool { protocolVersion == 2 && subscriptions.total > 0 }
}

/// CLIENT REPLY's state, with Redis's three flags: OFF (no replies until ON), SKIP (no
/// reply to the command now running) and SKIP_NEXT (set by CLIENT REPLY SKIP; becomes
/// SKIP when that command ends, so it is the following command that goes unanswered).
public struct ReplyControl: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let off = ReplyControl(rawValue: 1)
    public static let skip = ReplyControl(rawValue: 2)
    public static let skipNext = ReplyControl(rawValue: 4)

    /// Whether the reply of the command now ending is dropped.
    var suppresses: Bool { !isDisjoint(with: [.off, .skip]) }

    /// After every command: SKIP is spent, SKIP_NEXT takes its place. O(1).
    mutating func commandEnded() {
        guard !isEmpty else { return }
        remove(.skip)
        if contains(.skipNext) {
            remove(.skipNext)
            insert(.skip)
        }
    }
}
