public import Histogram
import OrderedCollections

/// What INFO commandstats, errorstats and latencystats report, and LATENCY HISTOGRAM:
/// calls, time, rejections and failures per command, latency distributions per command,
/// and error replies by code. CONFIG RESETSTAT empties it.
///
/// Commands are counted in arrays indexed by `CommandSpec.serial`, so a call costs an
/// index and a few additions — no hashing on the hot path.
struct CommandStatistics {
    struct Entry {
        var calls = 0
        var microseconds = 0
        /// Refused before running (arity, ACL, OOM, MISCONF…).
        var rejected = 0
        /// Ran and replied with an error.
        var failed = 0
        /// Where its latency histogram is in `histograms` (-1: none yet).
        var histogram = -1
    }

    private(set) var entries: [Entry] = []
    /// Call durations in nanoseconds, one per command that ran while tracking was on:
    /// Redis's range (1 ns to 1 s, longer calls counted as 1 s) and precision (2
    /// significant digits). Kept apart from the entries so recording mutates an array
    /// element in place (an optional inside the entry cost a retain and release per call).
    private(set) var histograms: [Histogram<UInt64>] = []
    /// The spec of each entry, to name it in INFO.
    private(set) var specs: [CommandSpec?] = []
    /// Error replies by their code (the first word: `ERR`, `WRONGTYPE`, `NOPERM`…), in the
    /// order first seen.
    private(set) var errors: OrderedDictionary<String, Int> = [:]
    private(set) var totalErrorReplies = 0

    /// Codes tracked by name. Scripts can reply errors with any code they like, so the
    /// table is bounded; later new codes count only in `totalErrorReplies`.
    static let maxErrorCodes = 128
    static let histogramHighest: UInt64 = 1_000_000_000

    /// Counts one call of `spec` that took `microseconds`. O(1).
    mutating func recordCall(_ spec: CommandSpec, microseconds: Int64, failed: Bool, tracksLatency: Bool) {
        let slot = spec.serial
        if slot >= entries.count { grow(to: slot) }
        if specs[slot] == nil { specs[slot] = spec }
        let micros = max(microseconds, 0)
        // Read and written back whole: one uniqueness check of the array, not one per field.
        var entry = entries[slot]
        entry.calls += 1
        entry.microseconds &+= Int(micros)
        if failed { entry.failed += 1 }
        if tracksLatency && entry.histogram < 0 {
            entry.histogram = histograms.count
            histograms.append(Histogram(lowestDiscernibleValue: 1, highestTrackableValue: Self.histogramHighest,
                                        numberOfSignificantValueDigits: .two))
        }
        entries[slot] = entry
        guard tracksLatency else { return }
        // Microseconds to nanoseconds as Redis does, inside the histogram's range.
        let nanoseconds = micros >= Int64(Self.histogramHighest / 1000) ? Self.histogramHighest : max(UInt64(micros) * 1000, 1)
        histograms[entry.histogram].record(nanoseconds)
    }

    /// The latency histogram of the command in `slot`, if it has one. O(1).
    func latency(_ slot: Int) -> Histogram<UInt64>? {
        guard slot >= 0, slot < entries.count, entries[slot].histogram >= 0 else { return nil }
        return histograms[entries[slot].histogram]
    }

    /// Counts a command refused before it ran. O(1).
    mutating func recordRejection(_ spec: CommandSpec) {
        let slot = spec.serial
        if slot >= entries.count { grow(to: slot) }
        entries[slot].rejected += 1
        specs[slot] = spec
    }

    /// Counts an error reply whose code is `code`. O(1) amortised.
    mutating func recordError(code: String) {
        totalErrorReplies += 1
        if errors[code] != nil || errors.count < Self.maxErrorCodes { errors[code, default: 0] += 1 }
    }

    mutating func reset() {
        self = CommandStatistics()
    }

    private mutating func grow(to slot: Int) {
        let more = slot + 1 - entries.count
        entries.append(contentsOf: repeatElement(Entry(), count: more))
        specs.append(contentsOf: repeatElement(nil, count: more))
    }

    /// Commands called or rejected since the last reset, with their counters and latency
    /// histograms, in table order.
    var used: [(spec: CommandSpec, entry: Entry, latency: Histogram<UInt64>?)] {
        zip(specs, entries).compactMap { spec, entry in
            guard let spec, entry.calls > 0 || entry.rejected > 0 else { return nil }
            return (spec, entry, entry.histogram >= 0 ? histograms[entry.histogram] : nil)
        }
    }

    /// The error code of an error reply's text: its first word (Redis's rule).
    static func code(of message: some Collection<UInt8>) -> String {
        String(decoding: message.prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }, as: UTF8.self)
    }
}

extension Histogram where Count == UInt64 {
    /// For each of `bounds` (ascending, in the histogram's unit), how many values were
    /// recorded at or below it — what `count(within: 0...bound)` gives for each — in one
    /// pass over the ranges that hold values, which come in ascending order.
    /// O(the histogram's size + bounds).
    public func cumulativeCounts(atOrBelow bounds: [UInt64]) -> [UInt64] {
        var counts = [UInt64](repeating: 0, count: bounds.count)
        var bucket = 0
        for recorded in recordedValues() {
            let lowest = lowestEquivalentForValue(recorded.value)
            while bucket < bounds.count && lowest > bounds[bucket] { bucket += 1 }
            guard bucket < bounds.count else { break }
            counts[bucket] += recorded.count
        }
        var total: UInt64 = 0
        return counts.map { total += $0; return total }
    }
}
