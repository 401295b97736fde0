import OrderedCollections

/// Latency spikes by event, as Redis's latency monitor keeps them: for each event
/// (`command`, `fast-command`, `expire-cycle`, `aof-write`, `aof-fsync-always`…) the last
/// 160 seconds that had one, the worst per second, and the worst ever. Only events taking
/// at least `latency-monitor-threshold` milliseconds are recorded, so an idle server keeps
/// nothing.
struct LatencyMonitor {
    struct Sample: Equatable {
        var time: Int64        // Unix seconds
        var milliseconds: Int
    }

    struct Series {
        /// A ring of up to `capacity` samples; `next` is where the next new second goes.
        var samples: [Sample] = []
        var next = 0
        var max = 0

        /// Oldest first.
        var history: [Sample] {
            samples.count < LatencyMonitor.capacity ? samples : Array(samples[next...] + samples[..<next])
        }

        var latest: Sample? {
            samples.isEmpty ? nil : samples[(next + samples.count - 1) % samples.count]
        }

        /// A spike in the same second as the latest replaces it if worse; otherwise it takes
        /// the next place in the ring. O(1).
        mutating func add(_ sample: Sample) {
            max = Swift.max(max, sample.milliseconds)
            if let latest, latest.time == sample.time {
                let last = (next + samples.count - 1) % samples.count
                samples[last].milliseconds = Swift.max(latest.milliseconds, sample.milliseconds)
            } else if samples.count < LatencyMonitor.capacity {
                samples.append(sample)
                next = samples.count % LatencyMonitor.capacity
            } else {
                samples[next] = sample
                next = (next + 1) % LatencyMonitor.capacity
            }
        }
    }

    static let capacity = 160

    /// Series by event, in the order first seen (LATEST lists them so).
    private(set) var series: OrderedDictionary<String, Series> = [:]

    /// Records that `event` took `milliseconds` at `time` (Unix seconds). O(1).
    mutating func add(_ event: String, milliseconds: Int, time: Int64) {
        series[event, default: Series()].add(Sample(time: time, milliseconds: milliseconds))
    }

    /// Forgets `events` (all when empty); returns how many had samples. O(events × series).
    mutating func reset(_ events: [String]) -> Int {
        guard !events.isEmpty else {
            defer { series = [:] }
            return series.count
        }
        return events.reduce(0) { removed, event in removed + (series.removeValue(forKey: event) == nil ? 0 : 1) }
    }

    /// Events with their series, in the order first seen.
    var events: [(name: String, series: Series)] {
        series.elements.map { ($0.key, $0.value) }
    }
}
