/// The table of every directive Cairn understands. Anything else in a config file or on
/// the command line is a start-up error that names it.
public enum Directives {
    public static let all: [Directive] = [
        .integer("port", \.port, 0...65535, mutable: false),
        .words("bind", \.bind, mutable: false),
        .string("dir", \.dir, mutable: false),
        .string("requirepass", \.requirepass, mutable: true),
        .bool("protected-mode", \.protectedMode, mutable: true),
        .string("aclfile", \.aclfile, mutable: false),
        .enumeration("enable-protected-configs", \.enableProtectedConfigs, mutable: false),
        .enumeration("enable-debug-command", \.enableDebugCommand, mutable: false),
        .integer("acllog-max-len", \.acllogMaxLen, 0...Int(Int64.max), mutable: true),
        .enumeration("acl-pubsub-default", \.aclPubsubDefault, mutable: true),
        .integer("slowlog-log-slower-than", \.slowlogLogSlowerThan, Int.min...Int.max, mutable: true),
        .integer("slowlog-max-len", \.slowlogMaxLen, 0...Int.max, mutable: true),
        .bool("latency-tracking", \.latencyTracking, mutable: true),
        .percentiles("latency-tracking-info-percentiles", \.latencyTrackingInfoPercentiles),
        .integer("latency-monitor-threshold", \.latencyMonitorThreshold, 0...Int(Int64.max), mutable: true),
        .string("logfile", \.logfile, mutable: false),
        .bool("syslog-enabled", \.syslogEnabled, mutable: false),
        .string("syslog-ident", \.syslogIdent, mutable: false),
        .enumeration("syslog-facility", \.syslogFacility, mutable: false),
        .integer("metrics-port", \.metricsPort, 0...65535, mutable: false),
        .string("metrics-bind", \.metricsBind, mutable: false),
        .memory("maxmemory", \.maxmemory, minimum: 0, mutable: true),
        .enumeration("maxmemory-policy", \.maxmemoryPolicy, mutable: true),
        .integer("maxmemory-samples", \.maxmemorySamples, 1...Int(Int32.max), mutable: true),
        .integer("maxmemory-eviction-tenacity", \.maxmemoryEvictionTenacity, 0...100, mutable: true),
        .integer("lfu-log-factor", \.lfuLogFactor, 0...Int(Int32.max), mutable: true),
        .integer("lfu-decay-time", \.lfuDecayTime, 0...Int(Int32.max), mutable: true),
        .integer("tls-port", \.tlsPort, 0...65535, mutable: false),
        .string("tls-cert-file", \.tlsCertFile, mutable: true),
        .string("tls-key-file", \.tlsKeyFile, mutable: true),
        .string("tls-key-file-pass", \.tlsKeyFilePass, mutable: true),
        .string("tls-ca-cert-file", \.tlsCaCertFile, mutable: true),
        .string("tls-ca-cert-dir", \.tlsCaCertDir, mutable: true),
        .enumeration("tls-auth-clients", \.tlsAuthClients, mutable: true),
        .string("tls-protocols", \.tlsProtocols, mutable: true),
        .string("tls-ciphers", \.tlsCiphers, mutable: true),
        .string("tls-ciphersuites", \.tlsCiphersuites, mutable: true),
        .integer("databases", \.databases, 1...Int(Int32.max), mutable: false),
        .integer("maxclients", \.maxclients, 1...Int(UInt32.max), mutable: true),
        .memory("proto-max-bulk-len", \.protoMaxBulkLen, minimum: 1024 * 1024, mutable: true),
        .memory("client-query-buffer-limit", \.clientQueryBufferLimit, minimum: 1024 * 1024, mutable: true),
        .outputBufferLimits("client-output-buffer-limit", \.clientOutputBufferLimits),
        .integer("timeout", \.timeout, 0...Int(Int32.max), mutable: true),
        .integer("hz", \.hz, Int.min...Int.max, clampTo: 1...500, mutable: true),
        .enumeration("loglevel", \.loglevel, mutable: true),
        .bool("appendonly", \.appendonly, mutable: true),
        .enumeration("appendfsync", \.appendfsync, mutable: true),
        .duration("appendfsync-interval", \.appendfsyncInterval, range: 1...60_000, mutable: true),
        .fileName("appendfilename", \.appendfilename),
        .fileName("appenddirname", \.appenddirname),
        .bool("aof-load-truncated", \.aofLoadTruncated, mutable: true),
        .integer("auto-aof-rewrite-percentage", \.autoAofRewritePercentage, 0...Int(Int32.max), mutable: true),
        .memory("auto-aof-rewrite-min-size", \.autoAofRewriteMinSize, minimum: 0, mutable: true),
        .duration("auto-aof-rewrite-min-age", \.autoAofRewriteMinAge, range: 0...(366 * 24 * 3_600_000), mutable: true),
        Directive(name: "notify-keyspace-events", mutableAtRuntime: true, parse: { settings, args in
            guard args.count == 1 else { return "wrong number of arguments" }
            guard let events = KeyspaceEvents(parsing: args[0]) else {
                return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
            }
            settings.notifyKeyspaceEvents = events
            return nil
        }, render: { $0.notifyKeyspaceEvents.description }),
    ] + encodingThresholds

    /// Each under its Redis 7 name and its older `ziplist` alias (Redis accepts both).
    private static let encodingThresholds: [Directive] = [
        ("hash-max-listpack-entries", "hash-max-ziplist-entries", \Settings.hashMaxListpackEntries, false),
        ("hash-max-listpack-value", "hash-max-ziplist-value", \Settings.hashMaxListpackValue, true),
        ("zset-max-listpack-entries", "zset-max-ziplist-entries", \Settings.zsetMaxListpackEntries, false),
        ("zset-max-listpack-value", "zset-max-ziplist-value", \Settings.zsetMaxListpackValue, true),
    ].flatMap { name, alias, path, isMemory -> [Directive] in
        [name, alias].map { n in
            isMemory ? .memory(n, path, minimum: 0, mutable: true) : .integer(n, path, 0...Int.max, mutable: true)
        }
    } + [
        .integer("set-max-intset-entries", \.setMaxIntsetEntries, 0...Int.max, mutable: true),
        .integer("set-max-listpack-entries", \.setMaxListpackEntries, 0...Int.max, mutable: true),
        .memory("set-max-listpack-value", \.setMaxListpackValue, minimum: 0, mutable: true),
        .integer("list-max-listpack-size", \.listMaxListpackSize, Int(Int32.min)...Int(Int32.max), mutable: true),
        .integer("list-max-ziplist-size", \.listMaxListpackSize, Int(Int32.min)...Int(Int32.max), mutable: true),
        // How long a script runs before other clients get -BUSY (and SCRIPT KILL works).
        .integer("busy-reply-threshold", \.busyReplyThreshold, 0...Int.max, mutable: true),
        .integer("lua-time-limit", \.busyReplyThreshold, 0...Int.max, mutable: true),
    ]

    /// Settings that name files or directories: CONFIG SET may change them only as
    /// `enable-protected-configs` allows (Redis protects `dir` the same way; Cairn adds
    /// the others that point at files, the TLS ones included).
    public static let protectedNames: Set<String> = [
        "dir", "appenddirname", "appendfilename", "aclfile", "tls-cert-file", "tls-key-file", "tls-ca-cert-file", "tls-ca-cert-dir",
    ]

    private static let byName: [String: Directive] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The directive called `name`, matched case-insensitively. O(1).
    public static func named(_ name: String) -> Directive? {
        byName[name.lowercased()]
    }
}
