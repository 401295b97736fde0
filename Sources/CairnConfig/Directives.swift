/// The table of every directive Cairn understands. Anything else in a config file or on
/// the command line is a start-up error that names it.
public enum Directives {
    public static let all: [Directive] = [
        .integer("port", \.port, 0...65535, mutable: false),
        .words("bind", \.bind, mutable: false),
        .string("dir", \.dir, mutable: false),
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
    ]

    private static let byName: [String: Directive] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The directive called `name`, matched case-insensitively. O(1).
    public static func named(_ name: String) -> Directive? {
        byName[name.lowercased()]
    }
}
