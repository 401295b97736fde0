public import Prometheus
import NIOConcurrencyHelpers
import Histogram
import CairnCommands

/// Turns snapshots into Prometheus metrics in a swift-prometheus registry, and renders
/// the text exposition format.
///
/// Figures the engine counts itself (commands, errors, bytes, fsyncs) arrive as totals:
/// each scrape sets the registry's counter to the total (a CONFIG RESETSTAT shows as a
/// counter reset, which Prometheus's `rate()` handles). Fsync and rewrite durations are
/// histograms that swift-metrics timers fill as they happen. Command durations come from
/// the distributions the engine keeps anyway for INFO latencystats (Redis's
/// `latency-tracking`), turned into Prometheus buckets here at scrape time: exporting them
/// adds nothing to a command's cost. swift-prometheus has no way to set a histogram's
/// buckets, so that one family is appended to the registry's output in the same text
/// format. Scrapes are serialised by a lock, so concurrent scrapes never see a counter
/// half set.
public final class MetricsExporter: Sendable {
    public let registry: PrometheusCollectorRegistry

    private struct Series: Sendable {
        var counters: [String: Counter] = [:]
        var gauges: [String: Gauge] = [:]
    }

    private let series = NIOLockedValueBox(Series())

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Histogram buckets (seconds) for the timers, by metric name: commands take
    /// microseconds, fsyncs take from tens of microseconds (a fast SSD) to seconds (a
    /// failing disk), rewrites take seconds.
    public static let buckets: [String: [Duration]] = [
        "cairn_aof_fsync_duration_seconds": [50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 100_000, 500_000, 1_000_000, 5_000_000]
            .map { Duration.microseconds($0) },
        "cairn_aof_rewrite_duration_seconds": [10, 50, 100, 500, 1000, 5000, 15_000, 60_000, 300_000].map { Duration.milliseconds($0) },
    ]

    /// Sets every metric from `snapshot` and renders the registry. O(metrics).
    func render(_ snapshot: MetricsSnapshot?) -> [UInt8] {
        series.withLockedValue { series in
            if let snapshot { update(&series, snapshot) }
            var text = registry.emitToBuffer()
            if let snapshot { Self.appendCommandDurations(snapshot.commands, to: &text) }
            return text
        }
    }

    /// A metric's name as given (no unit suffix added: the names carry theirs). The names
    /// are Cairn's constants, never empty.
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    private func update(_ series: inout Series, _ s: MetricsSnapshot) {
        // Commands and error codes missing from this snapshot (after CONFIG RESETSTAT)
        // read 0, as a reset counter does; the rest are set below.
        for counter in series.counters.values { counter.reset() }
        func total(_ name: String, labels: [(String, String)] = [], _ value: Int, help: String) {
            let key = Self.key(name, labels)
            let counter = series.counters[key] ?? registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
            series.counters[key] = counter
            counter.increment(by: Int64(value))
        }
        func gauge(_ name: String, labels: [(String, String)] = [], _ value: Double, help: String) {
            let key = Self.key(name, labels)
            let gauge = series.gauges[key] ?? registry.makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
            series.gauges[key] = gauge
            gauge.set(value)
        }
        for command in s.commands {
            let cmd = [("cmd", command.name)]
            total("cairn_commands_total", labels: cmd, command.calls, help: "Commands run, by command")
            total("cairn_command_failures_total", labels: cmd, command.failed, help: "Commands that ran and replied an error, by command")
            total("cairn_command_rejections_total", labels: cmd, command.rejected,
                  help: "Commands refused before running (arity, ACL, OOM, MISCONF...), by command")
        }
        for error in s.errors {
            // Scripts choose their error codes: keep the label value printable and unquoted.
            let code = String(error.code.unicodeScalars.map { $0 == "\"" || $0 == "\\" || $0.value < 0x20 ? "_" : Character($0) })
            total("cairn_errors_total", labels: [("code", code)], error.count, help: "Error replies, by error code")
        }
        gauge("cairn_connected_clients", Double(s.connectedClients), help: "Client connections")
        gauge("cairn_blocked_clients", Double(s.blockedClients), help: "Clients waiting in a blocking command")
        // Databases that emptied since the last scrape show 0, not their last count.
        for key in series.gauges.keys where key.hasPrefix("cairn_keys{") || key.hasPrefix("cairn_expiring_keys{") {
            series.gauges[key]?.set(0.0)
        }
        for db in s.databases {
            gauge("cairn_keys", labels: [("db", String(db.index))], Double(db.keys), help: "Keys, by database")
            gauge("cairn_expiring_keys", labels: [("db", String(db.index))], Double(db.expiring), help: "Keys with an expiry, by database")
        }
        gauge("cairn_memory_used_bytes", Double(s.memoryBytes), help: "Bytes allocated by the server")
        gauge("cairn_loading", s.loadingProgress == nil ? 0 : 1, help: "1 while the append-only file is being loaded at start-up")
        gauge("cairn_loading_progress_ratio", s.loadingProgress ?? 1, help: "Fraction of the append-only file loaded")
        gauge("cairn_aof_enabled", s.log == nil ? 0 : 1, help: "1 when the append-only file is on")
        guard let log = s.log else { return }
        total("cairn_aof_written_bytes_total", log.bytesWritten, help: "Bytes written to the append-only file")
        total("cairn_aof_fsyncs_total", log.fsyncs, help: "Fsyncs of the append-only file")
        total("cairn_aof_delayed_fsyncs_total", log.delayedFsyncs,
              help: "Times an everysec fsync was still running when the next was due")
        gauge("cairn_aof_last_write_ok", log.lastWriteOK ? 1 : 0,
              help: "1 when the last write and fsync succeeded; 0 while writes are refused (MISCONF)")
        gauge("cairn_aof_seconds_since_last_fsync", log.secondsSinceLastFsync ?? -1,
              help: "Seconds since the last successful fsync (-1: none yet)")
        total("cairn_aof_rewrites_started_total", log.rewritesStarted, help: "Rewrites started (BGREWRITEAOF and automatic)")
        total("cairn_aof_rewrites_succeeded_total", log.rewritesSucceeded, help: "Rewrites that finished and were installed")
        total("cairn_aof_rewrites_failed_total", log.rewritesFailed, help: "Rewrites that failed (the old files stay in use)")
        gauge("cairn_aof_rewrite_in_progress", log.rewriteInProgress ? 1 : 0, help: "1 while a rewrite runs")
        gauge("cairn_aof_base_size_bytes", Double(log.baseBytes), help: "Bytes in the base file (and increments a rewrite has not folded yet)")
        gauge("cairn_aof_increment_size_bytes", Double(log.incrementBytes), help: "Bytes in the increment file being appended to")
    }

    /// Command duration bucket bounds, in microseconds.
    static let commandBuckets: [UInt64] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 50_000, 250_000, 1_000_000]

    /// `cairn_command_duration_seconds` from each command's latency distribution (2
    /// significant digits, so a call within 1% of a bound may count on either side).
    /// O(commands × the distribution's size), on the metrics thread.
    static func appendCommandDurations(_ commands: [Engine.CommandCounters], to text: inout [UInt8]) {
        let tracked = commands.filter { ($0.latency?.totalCount ?? 0) > 0 }
        guard !tracked.isEmpty else { return }
        var out = "# HELP cairn_command_duration_seconds Time commands took, by command (follows latency-tracking)\n"
        out += "# TYPE cairn_command_duration_seconds histogram\n"
        for command in tracked {
            guard let histogram = command.latency else { continue }
            let label = "cmd=\"\(command.name)\""
            let counts = histogram.cumulativeCounts(atOrBelow: commandBuckets.map { $0 * 1000 })
            for (bound, count) in zip(commandBuckets, counts) {
                out += "cairn_command_duration_seconds_bucket{\(label),le=\"\(seconds(bound))\"} \(count)\n"
            }
            out += "cairn_command_duration_seconds_bucket{\(label),le=\"+Inf\"} \(histogram.totalCount)\n"
            out += "cairn_command_duration_seconds_sum{\(label)} \(seconds(UInt64(max(command.microseconds, 0))))\n"
            out += "cairn_command_duration_seconds_count{\(label)} \(histogram.totalCount)\n"
        }
        text.append(contentsOf: out.utf8)
    }

    /// Microseconds as decimal seconds without a float's rounding: 2500 → "0.0025".
    static func seconds(_ micros: UInt64) -> String {
        let whole = micros / 1_000_000
        var fraction = String(micros % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
    }

    private static func key(_ name: String, _ labels: [(String, String)]) -> String {
        name + "{" + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
    }
}
