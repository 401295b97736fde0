import Testing
import Histogram
import CairnCommands
@testable import CairnServer

/// The command-duration family the exporter writes itself (swift-prometheus cannot set a
/// histogram's buckets): exact decimal bounds, cumulative counts, +Inf equal to the count.
@Suite struct MetricsExporterTests {
    @Test func boundsAreExactDecimals() {
        #expect(MetricsExporter.seconds(10) == "0.00001")
        #expect(MetricsExporter.seconds(2500) == "0.0025")
        #expect(MetricsExporter.seconds(1_000_000) == "1")
        #expect(MetricsExporter.seconds(1_500_000) == "1.5")
        #expect(MetricsExporter.seconds(0) == "0")
        #expect(MetricsExporter.seconds(UInt64.max).hasPrefix("18446744073709"))
    }

    @Test func bucketsAreCumulative() {
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 1_000_000_000, numberOfSignificantValueDigits: .two)
        for micros: UInt64 in [5, 20, 20, 300, 40_000, 999_999] { histogram.record(micros * 1000) }
        let command = Engine.CommandCounters(name: "set", calls: 6, failed: 0, rejected: 0, microseconds: 1_040_344, latency: histogram)
        var text: [UInt8] = []
        MetricsExporter.appendCommandDurations([command], to: &text)
        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n")
        #expect(lines.first == "# HELP cairn_command_duration_seconds Time commands took, by command (follows latency-tracking)")
        let counts = lines.filter { $0.hasPrefix("cairn_command_duration_seconds_bucket") }.compactMap { Int($0.split(separator: " ").last ?? "") }
        #expect(counts == [1, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 6, 6])
        #expect(lines.contains("cairn_command_duration_seconds_sum{cmd=\"set\"} 1.040344"))
        #expect(lines.contains("cairn_command_duration_seconds_count{cmd=\"set\"} 6"))
        var none: [UInt8] = []
        MetricsExporter.appendCommandDurations([Engine.CommandCounters(name: "get", calls: 1, failed: 0, rejected: 0, microseconds: 1, latency: nil)], to: &none)
        #expect(none.isEmpty)
    }

    /// The one-pass bucketing equals counting each bound with `count(within:)`, for
    /// values spread over the whole range and many at the bounds themselves.
    @Test func onePassEqualsCountingEachBound() {
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 1_000_000_000, numberOfSignificantValueDigits: .two)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let value = i % 4 == 0 ? MetricsExporter.commandBuckets[i / 4 % MetricsExporter.commandBuckets.count] * 1000 + UInt64(i % 3) - 1
                                   : 1 + (state >> 11) % 1_000_000_000
            histogram.record(value)
        }
        let command = Engine.CommandCounters(name: "get", calls: 20_000, failed: 0, rejected: 0, microseconds: 0, latency: histogram)
        var text: [UInt8] = []
        MetricsExporter.appendCommandDurations([command], to: &text)
        let counts = String(decoding: text, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("cairn_command_duration_seconds_bucket") && !$0.contains("+Inf") }
            .compactMap { UInt64($0.split(separator: " ").last ?? "") }
        #expect(counts == MetricsExporter.commandBuckets.map { histogram.count(within: 0...($0 * 1000)) })
    }
}
