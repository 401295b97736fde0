import CairnProtocol
import Histogram

/// LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR / HISTOGRAM / HELP: the latency
/// monitor's spikes by event and the per-command latency distributions, as Redis 7.0
/// answers.
enum LatencyCommand {
    static let specs: [CommandSpec] = [
        CommandSpec(
            "latency", arity: -2, flags: [], group: "server", since: "2.8.13", complexity: "Depends on subcommand.",
            summary: "A container for latency diagnostics commands",
            subcommands: [
                sub("latency|latest", arity: 2, summary: "Return the latest latency samples for all events.", run: latest),
                sub("latency|history", arity: 3, summary: "Return timestamp-latency samples for the event.", syntax: "event", run: history),
                sub("latency|reset", arity: -2, summary: "Reset latency data for one or more events.", syntax: "[event [event ...]]",
                    run: reset),
                sub("latency|graph", arity: 3, summary: "Return a latency graph for the event.", syntax: "event", run: graph),
                sub("latency|doctor", arity: 2, summary: "Return a human readable latency analysis report.", run: doctor),
                sub("latency|histogram", arity: -2, since: "7.0.0",
                    complexity: "O(N) where N is the number of commands with latency information being retrieved.",
                    summary: "Return the cumulative distribution of latencies of a subset of commands or all.",
                    syntax: "[command [command ...]]", run: histogram),
                CommandSpec("latency|help", arity: 2, flags: [.loading, .stale], group: "server", since: "2.8.13",
                            summary: "Show helpful text about the different subcommands.", run: help),
            ],
            run: { _, _ in }),
    ]

    private static func sub(_ name: String, arity: Int, since: String = "2.8.13", complexity: String = "O(1)",
                            summary: String, syntax: String = "",
                            run: @escaping @Sendable (CommandContext, inout ReplyWriter) -> Void) -> CommandSpec {
        CommandSpec(name, arity: arity, flags: [.admin, .noscript, .loading, .stale], group: "server", since: since,
                    complexity: complexity, summary: summary, syntax: syntax, run: run)
    }

    /// `[event, time of the latest spike, its milliseconds, the worst ever]` per event. O(events).
    static func latest(_ c: CommandContext, _ out: inout ReplyWriter) {
        let events = c.engine.latencyMonitor.events
        out.writeArrayHeader(events.count)
        for (name, series) in events {
            let last = series.latest ?? LatencyMonitor.Sample(time: 0, milliseconds: 0)
            out.writeArrayHeader(4)
            out.writeBulk(name)
            out.writeIntegerReply(last.time)
            out.writeIntegerReply(Int64(last.milliseconds))
            out.writeIntegerReply(Int64(series.max))
        }
    }

    /// `[time, milliseconds]` per second with a spike, oldest first. O(160).
    static func history(_ c: CommandContext, _ out: inout ReplyWriter) {
        let samples = c.engine.latencyMonitor.series[c.args.string(2)]?.history ?? []
        out.writeArrayHeader(samples.count)
        for sample in samples {
            out.writeArrayHeader(2)
            out.writeIntegerReply(sample.time)
            out.writeIntegerReply(Int64(sample.milliseconds))
        }
    }

    static func reset(_ c: CommandContext, _ out: inout ReplyWriter) {
        let names = (2..<max(c.args.count, 2)).map { c.args.string($0) }
        out.writeIntegerReply(Int64(c.engine.latencyMonitor.reset(names)))
    }

    /// A bar per sample, oldest on the left, scaled between the event's lowest and
    /// highest spike (Cairn's own drawing; Redis draws a sparkline of the same samples).
    static func graph(_ c: CommandContext, _ out: inout ReplyWriter) {
        let event = c.args.string(2)
        guard let series = c.engine.latencyMonitor.series[event], !series.samples.isEmpty else {
            out.writeError("ERR No samples available for event '\(event)'")
            return
        }
        let samples = series.history
        let high = samples.map(\.milliseconds).max() ?? 0
        let low = samples.map(\.milliseconds).min() ?? 0
        let rows = 4
        var text = "\(event) - high \(high) ms, low \(low) ms (all time high \(series.max) ms)\n"
        text += String(repeating: "-", count: 80) + "\n"
        for row in stride(from: rows, through: 1, by: -1) {
            var line = ""
            for sample in samples {
                let level = high == low ? rows : 1 + (sample.milliseconds - low) * (rows - 1) / (high - low)
                line += level >= row ? "#" : " "
            }
            text += line + "\n"
        }
        let now = c.now / 1000
        text += samples.map { sample in
            let age = max(now - sample.time, 0)
            return age < 60 ? "s" : (age < 3600 ? "m" : "h")
        }.joined() + "\n"
        out.writeVerbatim(text)
    }

    static func doctor(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeVerbatim(report(c.engine))
    }

    /// The latency report: each event's spikes summarised, then advice that fits them.
    static func report(_ engine: Engine) -> String {
        let events = engine.latencyMonitor.events
        let threshold = engine.settings.latencyMonitorThreshold
        if events.isEmpty && threshold == 0 {
            return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Cairn instance. "
                + "You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it."
        }
        if events.isEmpty {
            return "Dave, no latency spike was observed during the lifetime of this Cairn instance, not in the slightest bit. "
                + "I honestly think you ought to sleep better.\n"
        }
        var text = "Dave, I have observed latency spikes in this Cairn instance. You don't mind talking about it, do you Dave?\n\n"
        var advice: [String] = []
        for (number, (name, series)) in events.enumerated() {
            let values = series.samples.map(\.milliseconds)
            let average = values.reduce(0, +) / max(values.count, 1)
            let deviation = values.map { abs($0 - average) }.reduce(0, +) / max(values.count, 1)
            let times = series.samples.map(\.time)
            let span = Double((times.max() ?? 0) - (times.min() ?? 0))
            let period = values.count > 1 ? span / Double(values.count - 1) : 1
            text += "\(number + 1). \(name): \(values.count) latency spikes (average \(average)ms, mean deviation \(deviation)ms, "
                + "period \(InfoCommand.format2(period)) sec). Worst all time event \(series.max)ms.\n"
            advice.append(contentsOf: self.advice(for: name, worst: series.max, engine: engine))
        }
        text += "\nI have a few advices for you:\n\n"
        var seen = Set<String>()
        for line in advice where seen.insert(line).inserted { text += "- \(line)\n" }
        return text
    }

    private static func advice(for event: String, worst: Int, engine: Engine) -> [String] {
        let slowlog = engine.settings.slowlogLogSlowerThan
        let threshold = engine.settings.latencyMonitorThreshold
        var lines: [String] = []
        switch event {
        case "command", "fast-command":
            if slowlog < 0 || slowlog / 1000 > threshold {
                lines.append("Your slow log logs only commands slower than the latency monitor's threshold or none; "
                             + "use 'CONFIG SET slowlog-log-slower-than \(max(threshold, 1) * 1000)' to see which commands they are.")
            }
            lines.append("Check the slow log (SLOWLOG GET) for the commands that were slow. O(N) commands on large values "
                         + "(KEYS, SMEMBERS, LRANGE 0 -1, ZRANGE of whole sets, DEL of big keys) block every other client while they run.")
            if event == "fast-command" {
                lines.append("Commands that should take constant time were slow: the process may have been descheduled or swapped. "
                             + "Check the load and memory of the machine.")
            }
        case "expire-cycle":
            lines.append("Deleting many keys that expire at the same instant blocks the server for a while; spread expiry times with some randomness.")
        case let name where name.hasPrefix("aof-fsync") || name == "aof-write" || name.hasPrefix("aof-write-"):
            lines.append("Writes to or fsyncs of the append-only file were slow: the disk is slow or busy. Check it with `iostat -x 1`, "
                         + "give the data directory a disk of its own, or pay less for durability with 'appendfsync everysec'.")
        case let name where name.hasPrefix("aof-"):
            lines.append("Work on the append-only file's directory (\(event)) was slow: the file system is slow or busy.")
        default:
            break
        }
        if worst > 500 { lines.append("Spikes over half a second were seen; clients with short timeouts will have failed.") }
        return lines
    }

    /// Per command: `calls` and `histogram_usec`, the count of calls at or below each
    /// power-of-two microsecond bucket (cumulative), as Redis. O(commands × buckets).
    static func histogram(_ c: CommandContext, _ out: inout ReplyWriter) {
        let stats = c.engine.statistics
        var chosen: [(CommandSpec, Histogram<UInt64>)] = []
        func add(_ spec: CommandSpec) {
            let slot = spec.serial
            guard let histogram = stats.latency(slot), histogram.totalCount > 0 else { return }
            chosen.append((spec, histogram))
        }
        if c.args.count == 2 {
            for (spec, _, _) in stats.used { add(spec) }
        } else {
            for i in 2..<c.args.count {
                let name = c.args.string(i).lowercased()
                let parts = name.split(separator: "|", maxSplits: 1)
                guard let top = parts.first.flatMap({ c.engine.table.lookup(name: String($0)) }) else { continue }
                if parts.count == 2 {
                    if let sub = top.subcommands.first(where: { $0.name == name }) { add(sub) }
                } else if top.subcommands.isEmpty {
                    add(top)
                } else {
                    top.subcommands.forEach(add)
                }
            }
        }
        out.writeMapHeader(chosen.count)
        for (spec, histogram) in chosen {
            out.writeBulk(spec.name)
            out.writeMapHeader(2)
            out.writeBulk("calls")
            out.writeIntegerReply(Int64(clamping: histogram.totalCount))
            out.writeBulk("histogram_usec")
            // Redis's buckets: powers of two from 1024 ns, each shown as the top of its
            // range in µs, with the calls at or below it; only where the count grows.
            var tops: [UInt64] = []
            var level: UInt64 = 1024
            while true {                          // up to the first level past 1 s, the histogram's top
                tops.append(histogram.highestEquivalentForValue(level))
                if level >= CommandStatistics.histogramHighest { break }
                level *= 2
            }
            var buckets: [(Int64, Int64)] = []
            var previous: UInt64 = 0
            for (top, cumulative) in zip(tops, histogram.cumulativeCounts(atOrBelow: tops)) where cumulative > previous {
                buckets.append((Int64(top / 1000), Int64(clamping: cumulative)))
                previous = cumulative
            }
            out.writeMapHeader(buckets.count)
            for (micros, count) in buckets {
                out.writeIntegerReply(micros)
                out.writeIntegerReply(count)
            }
        }
    }

    static func help(_ c: CommandContext, _ out: inout ReplyWriter) {
        out.writeHelp([
            "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR", "    Return a human readable latency analysis report.",
            "GRAPH <event>", "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>", "    Return time-latency samples for the <event> class.",
            "LATEST", "    Return the latest latency samples for all events.",
            "RESET [<event> ...]", "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
            "HELP", "    Prints this help.",
        ])
    }
}
