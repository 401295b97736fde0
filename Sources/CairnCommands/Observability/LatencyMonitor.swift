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
        /// A ring of `capacity` samples; `next` is where the next new second goes.
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
    }

    static let capacity = 160

    /// Events in the order first seen (LATEST lists them so).
    private(set) var series: [String: Series] = [:]
    private(set) var order: [String] = []

    /// Records that `event` took `milliseconds` at `time` (Unix seconds). Within one second
    /// only the worst is kept. O(1).
    mutating func add(_ event: String, milliseconds: Int, time: Int64) {
        var entry = series.removeValue(forKey: event) ?? {
            order.append(event)
            return Series()
        }()
        entry.max = Swift.max(entry.max, milliseconds)
        let sample = Sample(time: time, milliseconds: milliseconds)
        if let last = entry.samples.indices.last.map({ _ in (entry.next + entry.samples.count - 1) % entry.samples.count }),
           entry.samples[last].time == time {
            entry.samples[last].milliseconds = Swift.max(entry.samples[last].milliseconds, milliseconds)
        } else if entry.samples.count < Self.capacity {
            entry.samples.append(sample)
            entry.next = entry.samples.count % Self.capacity
        } else {
            entry.samples[entry.next] = sample
            entry.next = (entry.next + 1) % Self.capacity
        }
        series[event] = entry
    }

    /// Forgets `events` (all when empty); returns how many had samples. O(events).
    mutating func reset(_ events: [String]) -> Int {
        if events.isEmpty {
            let count = series.count
            series = [:]
            order = []
            return count
        }
        var removed = 0
        for event in events where series.removeValue(forKey: event) != nil {
            removed += 1
            order.removeAll { $0 == event }
        }
        return removed
    }

    /// Events with their series, in the order first seen.
    var events: [(name: String, series: Series)] {
        order.compactMap { name in series[name].map { (name, $0) } }
    }
}
