import ArgumentParser
import Logging
import ServiceLifecycle
import CoreMetrics
import Prometheus
import CairnConfig
import CairnServer
import CairnLog
#if canImport(Glibc)
import Glibc
#endif

/// `cairn-server [config-file] [--directive value ...]`, as `redis-server` is used:
/// the file is read first, then the flags, so flags win.
@main
struct CairnServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn-server",
        abstract: "A Redis-compatible key-value server with a durable append-only file.",
        discussion: """
            Any redis.conf directive Cairn knows can be given as a flag, e.g.
              cairn-server --port 7380 --loglevel verbose
              cairn-server /etc/cairn/cairn.conf --port 7381
            See cairn.conf in the source tree for every directive.
            """)

    @Argument(parsing: .captureForPassthrough,
              help: ArgumentHelp("An optional config file, then --directive value pairs.", valueName: "config-file] [--directive value"))
    var arguments: [String] = []

    mutating func run() async throws {
        // A log reader that went away (`cairn-server | head`, a closed journal pipe) must
        // not stop the server: writes to it fail with EPIPE instead, as in Redis.
        signal(SIGPIPE, SIG_IGN)
        var words = arguments
        var configPath = ""
        var text = ""
        if let first = words.first, !first.hasPrefix("--") {
            configPath = first
            words.removeFirst()
            guard let contents = Self.readFile(first) else {
                Self.fail("Fatal error, can't open config file '\(first)': \(String(cString: strerror(errno)))")
            }
            text = contents
        }
        if words.contains("--help") || words.contains("-h") {
            print(Self.helpMessage())
            return
        }
        if words.contains("--version") || words.contains("-v") {
            print("Cairn server v=\(CairnServer.version)")
            return
        }
        switch ConfigLoader.configText(fromFlags: words) {
        case .success(let flags): text += "\n" + flags
        case .failure(let error): Self.fail(error.description)
        }
        var settings = Settings()
        do {
            try ConfigLoader.load(text, into: &settings)
        } catch {
            Self.fail(error.description)
        }

        // Like Redis, the server works in `dir`, and reports it as an absolute path.
        guard chdir(settings.dir) == 0 else {
            Self.fail("Can't chdir to '\(settings.dir)': \(String(cString: strerror(errno)))")
        }
        if let cwd = getcwd(nil, 0) {
            settings.dir = String(cString: cwd)
            free(cwd)
        }

        // One server per data directory, held until the process ends.
        let lock: DataDirectoryLock
        do { lock = try DataDirectoryLock.acquire(in: settings.dir) } catch { Self.fail(error.description) }
        defer { withExtendedLifetime(lock) {} }

        // A relative logfile is in `dir`, where the server now is.
        if let error = ServerLogOutput.check(path: settings.logfile) { Self.fail(error) }
        let output = ServerLogOutput(settings: settings)
        LoggingSystem.bootstrap { _ in ServerLogHandler(output: output) }
        let logger = Logger(label: "cairn")
        // The Prometheus endpoint, when asked for: swift-metrics is bootstrapped with the
        // registry it serves, so the log's timers (fsyncs, rewrites) land there; without
        // it they go to swift-metrics' no-op handler.
        var registry: PrometheusCollectorRegistry?
        if settings.metricsPort > 0 {
            let made = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: made)
            factory.durationHistogramBuckets = MetricsExporter.buckets
            MetricsSystem.bootstrap(factory)
            registry = made
        }
        let server: CairnServer
        do {
            server = try CairnServer(settings: settings, configFile: configPath, logger: logger)
        } catch {
            Self.fail("Could not start the event loop: \(error)")
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let registry {
            let exporter = MetricsExporter(registry: registry)
            services.append(.init(service: MetricsService(settings: settings, server: server, exporter: exporter, logger: logger)))
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            Self.fail("\(error)")
        }
    }

    static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return ferror(file) != 0 ? nil : String(decoding: bytes, as: UTF8.self)
    }

    static func fail(_ message: String) -> Never {
        StandardError.write(message + "\n")
        Glibc.exit(1)
    }
}

enum StandardError {
    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
