public import Logging
public import ServiceLifecycle
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import CairnTransport
public import CairnConfig
import CairnCommands
import CairnLog
import NIOSSL
import CCairnAllocator

/// The Cairn server as a `Service`: binds, serves until told to stop, then stops
/// accepting, answers what it accepted and closes every connection.
///
/// All connections and the engine share one event loop. Redis is single-threaded for
/// the same reason: commands are short, and one thread running them back to back needs
/// no locks and makes every command atomic. The second core is left to the kernel's
/// network stack, the clients, and (with the append-only file) the fsync thread.
public actor CairnServer: Service {
    enum State {
        case initial
        case starting
        case running(listeners: [SocketListener])
        case shuttingDown(EventLoopFuture<Void>)
        case shutdown
    }

    public struct StartupError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Cairn's version, as `--version` and INFO report it.
    public static let version = CairnVersion.current

    private var state = State.initial
    public nonisolated let settings: Settings
    public nonisolated let logger: Logger
    private let configFile: String
    let loop: SocketEventLoop
    /// The bound port, once running (useful when the configured port is 0).
    public private(set) var boundPort: Int?
    /// The engine and its companions, bound to the loop; set by `start`.
    private(set) var core: NIOLoopBound<LoopCore>?
    /// Start-up load progress, read by INFO while loading.
    let progress = NIOLockedValueBox(LoadProgress(startTime: UnixClock.milliseconds()))
    /// Stops the loop's timers; set once the engine exists.
    private var stopTimers: (@Sendable () -> Void)?

    /// Starts the event loop's thread; throws if the kernel refuses its epoll instance.
    public init(settings: Settings, configFile: String = "", logger: Logger) throws {
        self.settings = settings
        self.configFile = configFile
        self.logger = logger
        self.loop = try SocketEventLoop(name: "cairn-loop")
    }

    public func run() async throws {
        guard case .initial = state else { throw StartupError(message: "Cairn server can only run once") }
        state = .starting
        logStartup()
        do {
            // A service group cancels its other services when one fails (the metrics
            // endpoint could not bind): that is a shutdown too.
            try await withTaskCancellationHandler {
                try await serve()
            } onCancel: {
                Task { await self.shutdownGracefully() }
            }
        } catch {
            await stopLoop()
            throw error
        }
        await stopLoop()
        logger.notice("Cairn is now ready to exit, bye bye...")
    }

    /// The first lines of the log: who is starting, and the settings an operator checks
    /// first when something goes wrong — where the data is and how durable it is.
    private func logStartup() {
        let s = settings
        logger.notice("Cairn is starting: version=\(CairnServer.version), bits=\(Int.bitWidth), pid=\(getpid())")
        let source = configFile.isEmpty ? "no config file, defaults and flags" : "loaded from \(configFile)"
        let listening = "port=\(s.port)\(s.tlsPort > 0 ? ", tls-port=\(s.tlsPort)" : ""), bind=\(s.bind.joined(separator: " ")), dir=\(s.dir)"
        logger.notice("Configuration: \(source); \(listening)")
        let durability = "appendonly=\(s.appendonly ? "yes" : "no"), appendfsync=\(s.appendfsync.rawValue), "
            + "aof-load-truncated=\(s.aofLoadTruncated ? "yes" : "no"), auto-aof-rewrite-percentage=\(s.autoAofRewritePercentage), "
            + "auto-aof-rewrite-min-size=\(s.autoAofRewriteMinSize), maxmemory=\(s.maxmemory) (\(s.maxmemoryPolicy.rawValue))"
        logger.notice("Durability: \(durability)")
        if s.bind.contains(where: { $0 != "127.0.0.1" && $0 != "::1" && $0 != "localhost" }) && s.requirepass.isEmpty && s.userLines.isEmpty
            && s.aclfile.isEmpty && !s.protectedMode {
            logger.warning("Listening beyond loopback with no password and protected-mode off: anyone who can reach the port can read and change every key")
        }
    }

    /// Binds and serves until the listener closes. Everything tied to the loop is
    /// released when this returns, before the loop itself stops.
    private func serve() async throws {
        let listeners = try await start()
        guard case .starting = state else {
            for listener in listeners { try? await listener.close().get() }
            return
        }
        state = .running(listeners: listeners)
        try await withGracefulShutdownHandler {
            if settings.appendonly {
                do {
                    try await loadAppendOnlyFile()
                } catch {
                    for listener in listeners { try? await listener.close().get() }
                    throw error
                }
            }
            SystemdNotifier().notify("READY=1\nSTATUS=Ready to accept connections on port \(boundPort ?? settings.port)")
            // Serving ends when every listener is closed (by a graceful shutdown).
            for listener in listeners { try await listener.closeFuture.get() }
        } onGracefulShutdown: {
            Task { await self.shutdownGracefully() }
        }
        await shutdownGracefully()
    }

    /// Replays the append-only file on a thread of its own while clients get -LOADING,
    /// then hands the keyspace to the loop and starts appending.
    private func loadAppendOnlyFile() async throws {
        let settings = self.settings
        let logger = self.logger
        let progress = self.progress
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        defer { pool.shutdownGracefully { _ in } }
        let loaded: LoadedLog
        do {
            loaded = try await pool.runIfActive(eventLoop: loop) {
                try Self.loadLog(settings: settings, progress: progress, logger: logger)
            }.get()
        } catch {
            if progress.withLockedValue({ $0.cancelled }) {
                logger.notice("Loading stopped by a shutdown; the append-only file was not changed")
                return
            }
            throw error
        }
        guard let core else { return }
        try await loop.submit {
            let engine = core.value.engine, runtime = core.value.runtime, flusher = core.value.flusher
            engine.keyspace = loaded.keyspace
            if let error = engine.installFunctionLibraries(loaded.functionLibraries) {
                // They loaded once already from the same code, so this is out of memory.
                logger.warning("Function libraries from the append-only file could not be installed: \(error)")
            }
            engine.followNotificationSettings()
            engine.stats = EngineStats()
            engine.loadingInfo = nil
            if let truncation = loaded.truncation { logger.warning("!!! Warning: \(truncation)") }
            let persistence = try Self.openPersistence(settings: engine.settings, engine: engine, loop: self.loop, logger: logger)
            runtime.persistence = persistence
            flusher.persistence = persistence
            logger.notice("DB loaded from append only file: \(loaded.commands) commands, \(persistence.writer.files.totalSize) bytes, \(loaded.milliseconds) ms")
        }.get()
    }

    private func stopLoop() async {
        if let stopTimers { try? await loop.submit(stopTimers).get() }
        stopTimers = nil
        try? await loop.shutdownGracefully()
    }

    /// Stops accepting, quiesces every connection, and waits until all are closed.
    public func shutdownGracefully() async {
        if case .running = state { SystemdNotifier().notify("STOPPING=1\nSTATUS=Shutting down: finishing the append-only file") }
        progress.withLockedValue { $0.cancelled = true }
        switch state {
        case .initial, .starting:
            state = .shutdown
        case .running(let listeners):
            if let core {
                try? await loop.submit { core.value.runtime.persistence?.drainForShutdown() }.get()
            }
            // Stop accepting, then let every connection answer what it accepted and close.
            for listener in listeners { listener.close() }
            let done = loop.quiesceConnections()
            state = .shuttingDown(done)
            try? await done.get()
            state = .shutdown
        case .shuttingDown(let done):
            try? await done.get()
        case .shutdown:
            return
        }
    }

    /// ACL users from the config file's `user` lines or from `aclfile` (not both, as
    /// Redis insists); nil, or why the server must not start.
    static func configureUsers(_ engine: Engine) -> String? {
        if !engine.settings.userLines.isEmpty && !engine.settings.aclfile.isEmpty {
            return "Configuring Cairn with users defined in the config file and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your config file, but not both."
        }
        if let error = engine.declareConfiguredUsers() { return error }
        guard let path = engine.aclFilePath else { return nil }
        let text: String
        do {
            text = String(decoding: try PosixFileSystem().read(path), as: UTF8.self)
        } catch {
            return "Aborting Cairn startup because of ACL errors: Error loading ACLs, opening file '\(path)': \(ErrorText.describe(error.code))"
        }
        if let error = engine.loadACL(text, path: path) { return "Aborting Cairn startup because of ACL errors: \(error)" }
        return nil
    }

    private func start() async throws -> [SocketListener] {
        let settings = self.settings
        let logger = self.logger
        let facts = ProcessInfoFacts(
            processID: Int(getpid()), tcpPort: settings.port,
            executable: CommandLine.arguments.first ?? "cairn-server", configFile: configFile,
            startedAt: UnixClock.milliseconds())
        // Build the engine and its runtime on the loop that will own them. With the
        // append-only file on, the engine answers -LOADING until the load is done.
        let progress = self.progress
        let bound = try await loop.submit {
            let engine = Engine(settings: settings)
            if let error = Self.configureUsers(engine) { throw StartupError(message: error) }
            // What maxmemory is compared with: the counting allocator's live total.
            engine.memoryUsed = { Int(cairn_allocated_bytes()) }
            let runtime = ServerRuntime(logger: logger, processInfo: facts)
            engine.logBacklogBytes = { [unowned runtime] in runtime.persistence?.writer.unwritten?.capacity ?? 0 }
            engine.hooks = runtime
            let flusher = ReplyFlusher(loop: self.loop, clock: { engine.clock() })
            runtime.appendOnly = settings.appendonly
            if settings.appendonly {
                engine.loadingInfo = { progress.withLockedValue { $0 }.fields(now: UnixClock.milliseconds()) }
            }
            let expiry = ActiveExpiry(engine: engine, loop: self.loop)
            expiry.afterRemovals = { flusher.schedule() }
            expiry.start(hz: settings.hz)
            runtime.onSettingsChange = { [unowned runtime] old, new in
                if old.appendonly != new.appendonly {
                    Self.switchAppendOnly(on: new.appendonly, settings: new, engine: engine, runtime: runtime,
                                          flusher: flusher, loop: self.loop, logger: logger)
                }
                runtime.persistence?.apply(new)
                if old.hz != new.hz { expiry.start(hz: new.hz) }
                if old.loglevel != new.loglevel {
                    runtime.logger.logLevel = ServerLogOutput.level(new.loglevel)
                    runtime.logger.notice("loglevel is now \(new.loglevel.rawValue)")
                }
            }
            runtime.onShutdownRequest = { Task { await self.shutdownGracefully() } }
            runtime.busyResponder = BusyResponder(engine: engine, runtime: runtime)
            let clientsCron = ClientsCron(engine: engine, runtime: runtime, loop: self.loop)
            clientsCron.start()
            return NIOLoopBound(LoopCore(engine: engine, runtime: runtime, expiry: expiry, flusher: flusher,
                                         clientsCron: clientsCron), eventLoop: self.loop)
        }.get()
        self.core = bound
        stopTimers = {
            bound.value.expiry.stop()
            bound.value.clientsCron.stop()
            // After every connection was answered and closed: the final fsync.
            bound.value.runtime.persistence?.stop()
        }

        // Connections accepted while a script was busy join as if accepted now.
        let loop = self.loop
        try await loop.submit {
            let core = bound.value
            core.runtime.busyResponder?.adopt = { fd, input, authenticated in
                loop.adopt(descriptor: fd) { channel in
                    try Self.addConnectionHandler(to: channel, core: bound.value, authenticated: authenticated)
                }.whenSuccess { channel in
                    if input.readableBytes > 0 { channel.pipeline.fireChannelRead(input) }
                }
            }
        }.get()
        // One listener per `bind` address, as Redis does; all share the loop and the engine.
        var listeners: [SocketListener] = []
        var port = settings.port
        for host in settings.bind {
            do {
                let listener = try await loop.listen(host: host, port: port) { channel in
                    try Self.addConnectionHandler(to: channel, core: bound.value)
                }.get()
                listeners.append(listener)
                // With port 0 the first bind picks a port; the other addresses use the same.
                if port == 0, let picked = listener.localAddress.port { port = picked }
                logger.notice("Ready to accept connections tcp on \(host):\(port)")
            } catch {
                for listener in listeners { try? await listener.close().get() }
                throw StartupError(message: "Could not create server TCP listening socket \(host):\(settings.port): \(error)")
            }
        }
        if settings.tlsPort != 0 {
            let tls: TLSContextProvider
            do {
                tls = try TLSContextProvider(settings: settings)
            } catch {
                for listener in listeners { try? await listener.close().get() }
                throw StartupError(message: "Failed to configure TLS: \(error.description)")
            }
            try await loop.submit { bound.value.runtime.tls = tls }.get()
            for host in settings.bind {
                do {
                    listeners.append(try await loop.listen(host: host, port: settings.tlsPort) { channel in
                        try Self.addTLSConnectionHandlers(to: channel, core: bound.value, tls: tls)
                    }.get())
                    logger.notice("Ready to accept connections tls on \(host):\(settings.tlsPort)")
                } catch {
                    for listener in listeners { try? await listener.close().get() }
                    throw StartupError(message: "Could not create server TLS listening socket \(host):\(settings.tlsPort): \(error)")
                }
            }
        }
        boundPort = port
        let listeningPort = port
        let plainListeners = Array(listeners.prefix(settings.bind.count))
        try await loop.submit {
            bound.value.runtime.listeningPorts = [listeningPort]
            bound.value.runtime.listenerDescriptors = plainListeners.map(\.descriptor)
        }.get()
        return listeners
    }
}

extension CairnServer {
    /// A connection's pipeline: one ConnectionHandler.
    /// `authenticated`: a connection the busy responder adopts keeps an AUTH it made there.
    static func addConnectionHandler(to channel: any Channel, core: LoopCore, authenticated: Bool = false) throws {
        let handler = ConnectionHandler(engine: core.engine, runtime: core.runtime, flusher: core.flusher, allocator: channel.allocator,
                                        alreadyAuthenticated: authenticated)
        try channel.pipeline.syncOperations.addHandler(handler)
    }

    /// A TLS connection's pipeline: SwiftNIO's TLS handler (with the context in force when
    /// it was accepted), then the same ConnectionHandler.
    static func addTLSConnectionHandlers(to channel: any Channel, core: LoopCore, tls: TLSContextProvider) throws {
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
        let handler = ConnectionHandler(engine: core.engine, runtime: core.runtime, flusher: core.flusher, allocator: channel.allocator,
                                        isTLS: true)
        try channel.pipeline.syncOperations.addHandler(handler)
    }
}

/// What lives on the event loop beside the engine, built there and used only there.
struct LoopCore {
    let engine: Engine
    let runtime: ServerRuntime
    let expiry: ActiveExpiry
    let flusher: ReplyFlusher
    let clientsCron: ClientsCron
}

#if canImport(Glibc)
import Glibc
#endif
