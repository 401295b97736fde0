import Testing
import CairnConfig
@testable import CairnCommands

/// The latency monitor's ring of samples and the per-command statistics, at their edges.
@Suite struct ObservabilityTests {
    @Test func latencySamplesKeepTheWorstPerSecondAndTheLast160Seconds() {
        var monitor = LatencyMonitor()
        monitor.add("command", milliseconds: 5, time: 100)
        monitor.add("command", milliseconds: 9, time: 100)
        monitor.add("command", milliseconds: 2, time: 100)
        #expect(monitor.series["command"]?.history == [.init(time: 100, milliseconds: 9)])
        for second in Int64(101)...Int64(400) {
            monitor.add("command", milliseconds: Int(second % 7) + 1, time: second)
        }
        let history = monitor.series["command"]?.history ?? []
        #expect(history.count == LatencyMonitor.capacity)
        #expect(history.first?.time == 241 && history.last?.time == 400)
        #expect(history.map(\.time) == Array(Int64(241)...Int64(400)))
        #expect(monitor.series["command"]?.max == 9)
        #expect(monitor.series["command"]?.latest == .init(time: 400, milliseconds: Int(400 % 7) + 1))
        monitor.add("aof-write", milliseconds: 1, time: 400)
        #expect(monitor.events.map(\.name) == ["command", "aof-write"])
        #expect(monitor.reset(["nosuch", "command"]) == 1)
        #expect(monitor.events.map(\.name) == ["aof-write"])
        #expect(monitor.reset([]) == 1 && monitor.events.isEmpty)
    }

    @Test func thresholdDecidesWhatIsRecorded() {
        let h = Harness()
        h.engine.recordLatency("aof-write", microseconds: 50_000)
        #expect(h.engine.latencyMonitor.events.isEmpty)      // threshold 0: off
        #expect(h.run("CONFIG", "SET", "latency-monitor-threshold", "10") == .ok)
        h.engine.recordLatency("aof-write", microseconds: 9_999)
        #expect(h.engine.latencyMonitor.events.isEmpty)
        h.engine.recordLatency("aof-write", microseconds: 10_000)
        h.engine.recordLatency("aof-fsync-always", microseconds: Int64.max)
        #expect(h.engine.latencyMonitor.series["aof-write"]?.max == 10)
        #expect(h.engine.latencyMonitor.series["aof-fsync-always"]?.max == Int(Int64.max / 1000))
        guard case .array(let latest?) = h.run("LATENCY", "LATEST") else { Issue.record("LATEST"); return }
        #expect(latest.count == 2)
    }

    @Test func errorCodesAreBoundedAndResetClearsEverything() {
        let h = Harness()
        for i in 0..<200 {
            _ = h.run("EVAL", "return redis.error_reply('E\(i) boom')", "0")
        }
        #expect(h.engine.statistics.errors.count == CommandStatistics.maxErrorCodes)
        #expect(h.engine.statistics.totalErrorReplies == 200)
        #expect(h.engine.statistics.errors["E0"] == 1 && h.engine.statistics.errors["E199"] == nil)
        _ = h.run("EVAL", "return redis.error_reply('E0 again')", "0")
        #expect(h.engine.statistics.errors["E0"] == 2)
        #expect(h.run("CONFIG", "RESETSTAT") == .ok)
        #expect(h.engine.statistics.errors.isEmpty && h.engine.statistics.totalErrorReplies == 0)
        #expect(h.engine.statistics.used.map(\.spec.name) == ["config|resetstat"])   // counted after, as in Redis
    }

    @Test func callsLongerThanTheHistogramAreCountedAtItsTop() {
        var stats = CommandStatistics()
        let spec = CommandTable.standard.lookup(name: "get")
        guard let spec else { Issue.record("no GET"); return }
        stats.recordCall(spec, microseconds: Int64.max, failed: false, tracksLatency: true)
        stats.recordCall(spec, microseconds: -5, failed: true, tracksLatency: true)
        stats.recordCall(spec, microseconds: 0, failed: false, tracksLatency: true)
        let entry = stats.entries[spec.serial]
        #expect(entry.calls == 3 && entry.failed == 1)
        #expect(stats.latency(spec.serial)?.totalCount == 3)
        #expect(stats.latency(spec.serial)?.maxRecorded ?? 0 >= CommandStatistics.histogramHighest / 2)
        // LATENCY HISTOGRAM's last bucket takes the calls counted at the top.
        let h = Harness()
        h.engine.statistics = stats
        // RESP2: maps as flat arrays — ["get", ["calls", 3, "histogram_usec", [µs, count, …]]].
        guard case .array(let reply?) = h.run("LATENCY", "HISTOGRAM", "get"), reply.count == 2,
              case .array(let fields?) = reply[1], fields.count == 4, case .array(let flat?) = fields[3] else {
            Issue.record("LATENCY HISTOGRAM's shape"); return
        }
        let buckets = stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
        #expect(buckets.first?.0 == .integer(1) && buckets.first?.1 == .integer(2))      // 0 µs and -5 µs: 1 ns
        #expect(buckets.last?.1 == .integer(3))
        if case .integer(let top)? = buckets.last?.0 { #expect(top >= 1_000_000) } else { Issue.record("bucket") }
    }

    @Test func percentileSettingBoundaries() {
        var settings = Settings()
        let directive = Directives.named("latency-tracking-info-percentiles")
        #expect(directive?.apply(["0 100 99.999"], to: &settings) == nil)
        #expect(settings.latencyTrackingInfoPercentiles == [0, 100, 99.999])
        #expect(directive?.render(settings) == "0 100 99.999")
        for bad in ["100.0001", "-1", "nan", "inf", "1e400", "x"] {
            #expect(directive?.apply([bad], to: &settings) != nil, "\(bad)")
        }
        #expect(directive?.apply([""], to: &settings) == nil)
        #expect(settings.latencyTrackingInfoPercentiles.isEmpty)
    }
}
