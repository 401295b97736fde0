public import Histogram

/// What a metrics exporter reads from the engine, on the engine's loop. Counters are
/// totals since start-up or the last CONFIG RESETSTAT (a reset shows as a counter reset).
extension Engine {
    public struct CommandCounters: Sendable {
        public let name: String
        public let calls: Int
        public let failed: Int
        public let rejected: Int
        /// Time spent in the command, in microseconds.
        public let microseconds: Int
        /// Call durations in nanoseconds (nil while `latency-tracking` is off). Handing it
        /// out copies nothing: the engine copies it (24 KB) on its next call only.
        public let latency: Histogram<UInt64>?

        public init(name: String, calls: Int, failed: Int, rejected: Int, microseconds: Int, latency: Histogram<UInt64>?) {
            self.name = name
            self.calls = calls
            self.failed = failed
            self.rejected = rejected
            self.microseconds = microseconds
            self.latency = latency
        }
    }

    /// Commands called or refused, with their counts. O(commands used).
    public var commandCounters: [CommandCounters] {
        statistics.used.map {
            CommandCounters(name: $0.spec.name, calls: $0.entry.calls, failed: $0.entry.failed, rejected: $0.entry.rejected,
                            microseconds: $0.entry.microseconds, latency: $0.latency)
        }
    }

    /// Error replies by code (INFO errorstats), in the order first seen. O(codes).
    public var errorCounters: [(code: String, count: Int)] {
        statistics.errors.map { ($0.key, $0.value) }
    }

    public var totalErrorReplies: Int { statistics.totalErrorReplies }
}
