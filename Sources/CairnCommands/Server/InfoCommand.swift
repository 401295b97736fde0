#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import CairnProtocol
import CairnKeyspace
import CairnConfig

/// INFO: the server's state as `field:value` lines grouped in sections, with Redis's
/// section and field names so monitoring tools read it unchanged.
enum InfoCommand {
    static let spec = CommandSpec(
        "info", arity: -1, flags: [.loading, .stale], group: "server", categories: .dangerous, complexity: "O(1)",
        summary: "Returns information and statistics about the server.", syntax: "[section [section ...]]", run: info)

    /// Every section in Redis's order; `INFO` alone leaves out the per-command ones.
    static let allSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu",
                              "commandstats", "errorstats", "latencystats", "keyspace"]
    static let defaultSections = allSections.filter { $0 != "commandstats" && $0 != "latencystats" }

    /// Producers of extra lines for a section, registered by layers above the engine
    /// (the append-only file fills `persistence`).
    static func info(_ c: CommandContext, _ out: inout ReplyWriter) {
        var wanted: [String] = []
        if c.args.count == 1 {
            wanted = defaultSections
        } else {
            for i in 1..<c.args.count {
                let name = c.args.string(i).lowercased()
                if name == "all" || name == "everything" || name == "default" {
                    wanted.append(contentsOf: name == "default" ? defaultSections : allSections)
                } else {
                    wanted.append(name)
                }
            }
        }
        // In Redis's order, whatever order they were asked in.
        let requested = Set(wanted)
        var sections: [String] = []
        for name in allSections where requested.contains(name) {
            if let text = section(name, c) { sections.append(text) }
        }
        out.writeVerbatim(sections.joined(separator: "\r\n"))
    }

    static func section(_ name: String, _ c: CommandContext) -> String? {
        let e = c.engine
        let fields: [(String, String)]
        switch name {
        case "server":
            let facts = e.hooks?.processInfo
            let uptime = facts.map { (c.now - $0.startedAt) / 1000 } ?? 0
            fields = [
                ("redis_version", ConnectionCommands.redisCompatibleVersion),
                ("cairn_version", CairnVersion.current),
                ("redis_mode", "standalone"),
                ("os", osName()),
                ("arch_bits", String(Int.bitWidth)),
                ("multiplexing_api", "epoll"),
                ("process_id", String(facts?.processID ?? 0)),
                ("tcp_port", String(facts?.tcpPort ?? 0)),
                ("server_time_usec", String(UnixClock.microseconds())),
                ("uptime_in_seconds", String(uptime)),
                ("uptime_in_days", String(uptime / 86400)),
                ("hz", String(e.settings.hz)),
                ("configured_hz", String(e.settings.hz)),
                ("executable", facts?.executable ?? ""),
                ("config_file", facts?.configFile ?? ""),
            ]
        case "clients":
            fields = [
                ("connected_clients", String(e.clients.count)),
                ("maxclients", String(e.settings.maxclients)),
                ("blocked_clients", String(e.blockedClientCount)),
                ("tracking_clients", "0"),
            ]
        case "memory":
            let memory = e.hooks?.memoryUsage() ?? MemoryUsage(used: 0, rss: 0, peak: 0)
            fields = [
                ("used_memory", String(memory.used)),
                ("used_memory_human", humanBytes(memory.used)),
                ("used_memory_rss", String(memory.rss)),
                ("used_memory_rss_human", humanBytes(memory.rss)),
                ("used_memory_peak", String(memory.peak)),
                ("used_memory_peak_human", humanBytes(memory.peak)),
                ("used_memory_lua", String(e.scriptMemory)),
                ("used_memory_lua_human", humanBytes(e.scriptMemory)),
                ("used_memory_scripts_eval", String(e.scripting.cachedScriptBytes)),
                ("number_of_cached_scripts", String(e.cachedScriptCount)),
                ("used_memory_scripts", String(e.scripting.cachedScriptBytes)),
                ("used_memory_scripts_human", humanBytes(e.scripting.cachedScriptBytes)),
                ("maxmemory", String(e.settings.maxmemory)),
                ("maxmemory_human", humanBytes(e.settings.maxmemory)),
                ("maxmemory_policy", e.settings.maxmemoryPolicy.rawValue),
                ("mem_not_counted_for_evict", String(e.memoryNotCountedForEviction)),
                ("mem_aof_buffer", String(e.memoryNotCountedForEviction)),
            ]
        case "persistence":
            fields = (e.loadingInfo?() ?? [("loading", "0"), ("async_loading", "0")])
                + (e.hooks?.persistenceInfo() ?? [("aof_enabled", "0"), ("aof_rewrite_in_progress", "0")])
        case "stats":
            let net = e.hooks?.networkStats() ?? NetworkStats()
            fields = [
                ("total_connections_received", String(net.totalConnectionsReceived)),
                ("total_commands_processed", String(e.stats.commandsProcessed)),
                ("total_net_input_bytes", String(net.inputBytes)),
                ("total_net_output_bytes", String(net.outputBytes)),
                ("rejected_connections", String(net.rejectedConnections)),
                ("expired_keys", String(e.keyspace.expiredTotal - e.stats.expiredKeysBase)),
                ("evicted_keys", String(e.stats.evictedKeys)),
                ("keyspace_hits", String(e.stats.keyspaceHits)),
                ("keyspace_misses", String(e.stats.keyspaceMisses)),
                ("total_error_replies", String(e.statistics.totalErrorReplies)),
                ("pubsub_channels", String(e.pubsubCounts.channels)),
                ("pubsub_patterns", String(e.pubsubCounts.patterns)),
                ("pubsubshard_channels", String(e.pubsubCounts.shardChannels)),
            ]
        case "replication":
            fields = [("role", "master"), ("connected_slaves", "0")]
        case "cpu":
            let usage = CPUUsage.current()
            fields = [
                ("used_cpu_sys", String(format3(usage.system))),
                ("used_cpu_user", String(format3(usage.user))),
            ]
        case "keyspace":
            var lines: [(String, String)] = []
            for (i, db) in e.keyspace.databases.enumerated() where db.count > 0 {
                lines.append(("db\(i)", "keys=\(db.count),expires=\(db.volatileCount),avg_ttl=\(db.averageTTL(now: c.now))"))
            }
            fields = lines
        case "commandstats":
            fields = e.statistics.used.map { spec, entry, _ in
                let perCall = entry.calls > 0 ? Double(entry.microseconds) / Double(entry.calls) : 0
                return ("cmdstat_\(spec.name)", "calls=\(entry.calls),usec=\(entry.microseconds),usec_per_call=\(format2(perCall))"
                        + ",rejected_calls=\(entry.rejected),failed_calls=\(entry.failed)")
            }
        case "errorstats":
            fields = e.statistics.errors.map { ("errorstat_\($0.key)", "count=\($0.value)") }
        case "latencystats":
            let percentiles = e.settings.latencyTrackingInfoPercentiles
            fields = e.statistics.used.compactMap { spec, _, latency in
                guard let histogram = latency, histogram.totalCount > 0 else { return nil }
                // As Redis's hdr_value_at_percentile: the top of the value's 2-digit range
                // (the bottom of the lowest one for p0).
                let values = percentiles.map { p in
                    let value = p == 0 ? histogram.lowestEquivalentForValue(histogram.min)
                                       : histogram.highestEquivalentForValue(histogram.valueAtPercentile(p))
                    return "p\(Directive.shortDecimal(p))=\(format3(Double(value) / 1000))"
                }
                return ("latency_percentiles_usec_\(spec.name)", values.joined(separator: ","))
            }
        default:
            return nil
        }
        let title = name == "cpu" ? "CPU" : name.prefix(1).uppercased() + name.dropFirst()
        var text = "# \(title)\r\n"
        for (k, v) in fields { text += "\(k):\(v)\r\n" }
        return text
    }

    static func humanBytes(_ n: Int) -> String {
        let units = ["B", "K", "M", "G", "T"]
        var value = Double(n)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(n)B" : "\(format2(value))\(units[unit])"
    }

    static func format2(_ v: Double) -> String {
        guard v.isFinite, v >= 0, v < 1e15 else { return "0.00" }
        let scaled = Int((v * 100).rounded())
        let frac = scaled % 100
        return "\(scaled / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    static func format3(_ v: Double) -> String {
        guard v.isFinite, v >= 0, v < 1e15 else { return "0.000" }
        let scaled = Int((v * 1000).rounded())
        let frac = scaled % 1000
        let pad = frac < 10 ? "00" : (frac < 100 ? "0" : "")
        return "\(scaled / 1000).\(pad)\(frac)"
    }

    static func osName() -> String {
        var name = utsname()
        uname(&name)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
        }
        return "\(field(name.sysname)) \(field(name.release)) \(field(name.machine))"
    }
}

/// Process CPU time, for INFO cpu.
enum CPUUsage {
    static func current() -> (user: Double, system: Double) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }
        return (seconds(usage.ru_utime), seconds(usage.ru_stime))
    }
}

/// Cairn's own version.
public enum CairnVersion {
    public static let current = "0.1.0"
}
