/// Every setting of a running Cairn server, typed. Defaults match redis.conf's except the
/// port (Cairn's is 7379, so it can run beside a Redis on 6379).
public struct Settings: Sendable, Equatable {
    public var port = 7379
    public var bind = ["127.0.0.1"]
    public var databases = 16
    public var maxclients = 10_000
    public var protoMaxBulkLen = 512 * 1024 * 1024
    public var clientQueryBufferLimit = 1024 * 1024 * 1024
    /// Replies waiting to be sent, per client class, past which a client is closed.
    public var clientOutputBufferLimits = OutputBufferLimits()
    /// Close a client idle for this many seconds (0: never), as Redis's `timeout`.
    public var timeout = 0
    /// How often per second background tasks (active expiry) run; Redis clamps to 1...500.
    public var hz = 10
    public var loglevel = LogLevel.notice
    public var dir = "."
    /// Log every write to the append-only file (AOF).
    public var appendonly = true
    public var appendfsync = AppendFsync.everysec
    /// The everysec fsync period, in milliseconds.
    public var appendfsyncInterval = 1000
    public var appendfilename = "appendonly.aof"
    /// Only the loopback interface may connect while the default user has no password.
    public var protectedMode = true
    /// The default user's password ("": none, every connection is authenticated).
    public var requirepass = ""
    public var appenddirname = "appendonlydir"
    /// Where ACL SAVE writes users and ACL LOAD (and start-up) reads them ("": no file).
    public var aclfile = ""
    /// `user <name> <rules…>` lines of the config file, each as its words after `user`.
    public var userLines: [[String]] = []
    /// Entries ACL LOG keeps.
    public var acllogMaxLen = 128
    /// What channels new users may use: none (`resetchannels`, Redis 7's default) or all.
    public var aclPubsubDefault = AclPubsubDefault.resetchannels
    /// Who may CONFIG SET the settings that name files and directories (`dir`, `aclfile`,
    /// the TLS files…): nobody (`no`), anyone (`yes`), or connections from this host
    /// (`local`), as Redis's `enable-protected-configs`.
    public var enableProtectedConfigs = ProtectedAction.no
    /// Redis's `enable-debug-command`, accepted for its config files (Cairn has no DEBUG).
    public var enableDebugCommand = ProtectedAction.no
    /// Commands slower than this many microseconds go to the slow log (negative: none).
    public var slowlogLogSlowerThan = 10_000
    /// Entries the slow log keeps.
    public var slowlogMaxLen = 128
    /// Per-command latency histograms behind INFO latencystats and LATENCY HISTOGRAM.
    public var latencyTracking = true
    /// The percentiles INFO latencystats reports.
    public var latencyTrackingInfoPercentiles: [Double] = [50, 99, 99.9]
    /// Events (a command, an AOF write or fsync, an expiry cycle) taking at least this many
    /// milliseconds are recorded for LATENCY (0: none).
    public var latencyMonitorThreshold = 0
    /// Where the server log goes ("": standard output).
    public var logfile = ""
    /// Also send the log to syslog, under this identity and facility.
    public var syslogEnabled = false
    public var syslogIdent = "cairn"
    public var syslogFacility = SyslogFacility.local0
    /// The Prometheus endpoint's port (0: off) and the address it listens on.
    public var metricsPort = 0
    public var metricsBind = "127.0.0.1"
    /// Memory limit in bytes (0: none) and what to do at it (Redis's eviction policies).
    public var maxmemory = 0
    public var maxmemoryPolicy = MaxmemoryPolicy.noeviction
    /// Keys sampled per database per eviction to find an old (or soon-expiring) one.
    public var maxmemorySamples = 5
    public var maxmemoryEvictionTenacity = 10
    /// The LFU counter's logarithm base factor, and minutes per halving step of it.
    public var lfuLogFactor = 10
    public var lfuDecayTime = 1
    /// TLS: the port (0: none) beside the plain one, and redis.conf's tls-* settings.
    public var tlsPort = 0
    public var tlsCertFile = ""
    public var tlsKeyFile = ""
    public var tlsKeyFilePass = ""
    public var tlsCaCertFile = ""
    public var tlsCaCertDir = ""
    public var tlsAuthClients = TLSAuthClients.yes
    /// Protocol versions allowed, e.g. "TLSv1.2 TLSv1.3" ("": those two).
    public var tlsProtocols = ""
    /// Cipher list for TLS 1.2 and older (OpenSSL syntax; "": BoringSSL's defaults).
    public var tlsCiphers = ""
    /// TLS 1.3 suites; BoringSSL always offers its three, so only those names are accepted.
    public var tlsCiphersuites = ""
    /// Start even if the last log file ends in a torn write (cutting it back).
    public var aofLoadTruncated = true
    /// Rewrite when the log has grown by this percentage over its size after the last
    /// rewrite (0: never for growth).
    public var autoAofRewritePercentage = 100
    /// ... once it is at least this large.
    public var autoAofRewriteMinSize = 64 * 1024 * 1024
    /// Do not rewrite more often than this, and rewrite a log older than this if it grew
    /// at all; in ms, 0: off.
    public var autoAofRewriteMinAge = 0
    /// Redis's thresholds for its compact encodings (OBJECT ENCODING follows them, and
    /// sorted sets and sets below them keep no member index).
    public var hashMaxListpackEntries = 512
    /// Milliseconds a script may run before the server answers others -BUSY (Redis's
    /// `busy-reply-threshold`, formerly `lua-time-limit`); 0: at once.
    public var busyReplyThreshold = 5000
    public var hashMaxListpackValue = 64
    public var zsetMaxListpackEntries = 128
    public var zsetMaxListpackValue = 64
    public var setMaxIntsetEntries = 512
    /// Redis 7.2's names, accepted so its config files load; they bound the sets kept
    /// without a member index (Cairn reports Redis 7.0's set encodings, intset/hashtable).
    public var setMaxListpackEntries = 128
    public var setMaxListpackValue = 64
    /// Redis's quicklist node size; accepted and shown. Cairn's lists are one deque, so
    /// it changes nothing here (Redis 7.0 reports every list as `quicklist`, as Cairn does).
    public var listMaxListpackSize = -2
    /// Which keyspace notifications are published (none by default, as in Redis).
    public var notifyKeyspaceEvents = KeyspaceEvents()

    public init() {}

    /// Whether TLS clients must present a certificate the CA signed (`optional`: only
    /// checked when one is presented).
    public enum TLSAuthClients: String, CaseIterable, Sendable {
        case yes, no, optional
    }

    public enum MaxmemoryPolicy: String, CaseIterable, Sendable {
        case volatileLRU = "volatile-lru", volatileLFU = "volatile-lfu", volatileRandom = "volatile-random"
        case volatileTTL = "volatile-ttl", allkeysLRU = "allkeys-lru", allkeysLFU = "allkeys-lfu"
        case allkeysRandom = "allkeys-random", noeviction

        /// Only keys with an expiry are candidates.
        public var volatileOnly: Bool { rawValue.hasPrefix("volatile") }
        public var usesLFU: Bool { self == .volatileLFU || self == .allkeysLFU }
    }

    public enum ProtectedAction: String, CaseIterable, Sendable {
        case no, yes, local
    }

    public enum AclPubsubDefault: String, CaseIterable, Sendable {
        case resetchannels, allchannels
    }

    public enum LogLevel: String, Sendable, CaseIterable {
        case debug, verbose, notice, warning
    }

    public enum SyslogFacility: String, Sendable, CaseIterable {
        case user, local0, local1, local2, local3, local4, local5, local6, local7
    }

    public enum AppendFsync: String, Sendable, CaseIterable {
        case always, everysec, no
    }
}

/// The kinds of client Redis sets output limits for: `pubsub` for clients with
/// subscriptions, `normal` for the rest. Cairn has no replicas; that class is kept and
/// shown for compatibility with redis.conf files.
public enum ClientClass: CaseIterable, Sendable {
    case normal, replica, pubsub

    /// As CONFIG GET prints it (Redis 7 still says `slave`).
    public var configName: String {
        switch self {
        case .normal: return "normal"
        case .replica: return "slave"
        case .pubsub: return "pubsub"
        }
    }

    public init?(configName: String) {
        switch configName.lowercased() {
        case "normal": self = .normal
        case "replica", "slave": self = .replica
        case "pubsub": self = .pubsub
        default: return nil
        }
    }
}

/// One class's output buffer limit: closed at once past `hard`, or after staying past
/// `soft` for `softSeconds`. 0 turns a limit off.
public struct OutputBufferLimit: Sendable, Equatable {
    public var hard: Int
    public var soft: Int
    public var softSeconds: Int

    public init(hard: Int, soft: Int, softSeconds: Int) {
        self.hard = hard
        self.soft = soft
        self.softSeconds = softSeconds
    }
}

/// `client-output-buffer-limit`, with redis.conf's defaults.
public struct OutputBufferLimits: Sendable, Equatable {
    public var normal = OutputBufferLimit(hard: 0, soft: 0, softSeconds: 0)
    public var replica = OutputBufferLimit(hard: 256 << 20, soft: 64 << 20, softSeconds: 60)
    public var pubsub = OutputBufferLimit(hard: 32 << 20, soft: 8 << 20, softSeconds: 60)

    public init() {}

    public subscript(_ kind: ClientClass) -> OutputBufferLimit {
        get {
            switch kind {
            case .normal: return normal
            case .replica: return replica
            case .pubsub: return pubsub
            }
        }
        set {
            switch kind {
            case .normal: normal = newValue
            case .replica: replica = newValue
            case .pubsub: pubsub = newValue
            }
        }
    }
}
