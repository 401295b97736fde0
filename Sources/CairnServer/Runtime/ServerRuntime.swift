import NIOCore
import Logging
import CairnConfig
import CairnCommands
import CairnLog
import CCairnShims
import CCairnAllocator
#if canImport(Glibc)
import Glibc
#endif

/// The process around the engine, as the commands see it through `ServerHooks`:
/// counters kept by the connections, memory figures, and the requests only the server
/// can carry out (shutdown, applying new settings). Lives on the engine's event loop.
final class ServerRuntime: ServerHooks {
    /// The log used while serving; its level follows `loglevel` (CONFIG SET changes it).
    var logger: Logger
    var processInfo: ProcessInfoFacts
    var connectionsReceived = 0
    var rejectedConnections = 0
    var inputBytes = 0
    var outputBytes = 0
    private var peakMemory = 0
    /// The append-only file, once loaded (when enabled).
    var persistence: Persistence?
    /// Whether the append-only file is enabled (it may still be loading).
    var appendOnly = false
    /// Called on SHUTDOWN.
    var onShutdownRequest: () -> Void = {}
    /// Called when CONFIG SET changed the settings.
    var onSettingsChange: (Settings, Settings) -> Void = { _, _ in }
    /// Open connections by client id, for CLIENT KILL.
    private var connections: [Int64: ConnectionHandler] = [:]
    /// Answers clients while a script is busy (set once the loop is up).
    var busyResponder: BusyResponder?
    /// The ports the server listens on.
    var listeningPorts: [Int] = []
    /// The plain TCP listeners' sockets (the busy responder accepts on them while a
    /// script runs).
    var listenerDescriptors: [CInt] = []
    /// The TLS context for `tls-port`'s connections (nil: no TLS port).
    var tls: TLSContextProvider?

    init(logger: Logger, processInfo: ProcessInfoFacts) {
        self.logger = logger
        self.processInfo = processInfo
    }

    func memoryUsage() -> MemoryUsage {
        let used = Self.heapInUse()
        peakMemory = max(peakMemory, used)
        return MemoryUsage(used: used, rss: Self.residentSetSize(), peak: peakMemory)
    }

    func networkStats() -> NetworkStats {
        NetworkStats(totalConnectionsReceived: connectionsReceived, rejectedConnections: rejectedConnections,
                     inputBytes: inputBytes, outputBytes: outputBytes)
    }

    func persistenceInfo() -> [(String, String)] {
        persistence?.info() ?? [("aof_enabled", appendOnly ? "1" : "0"), ("aof_rewrite_in_progress", "0"),
                                ("aof_last_write_status", "ok"), ("aof_last_bgrewrite_status", "ok")]
    }

    func requestRewrite() -> String? {
        guard let persistence else {
            return appendOnly ? "ERR the append-only file is still loading"
                : "ERR Cairn's append-only file is off (appendonly no)"
        }
        return persistence.startRewrite()
    }

    func resetStatistics() {
        connectionsReceived = 0
        rejectedConnections = 0
        inputBytes = 0
        outputBytes = 0
        peakMemory = 0
    }

    func requestShutdown() {
        logger.notice("User requested shutdown...")
        onShutdownRequest()
    }

    func register(_ handler: ConnectionHandler, id: Int64) {
        connections[id] = handler
    }

    func unregister(id: Int64) {
        connections[id] = nil
    }

    /// Open connections, for the once-a-second client checks.
    var openConnections: Dictionary<Int64, ConnectionHandler>.Values { connections.values }

    func killClients(_ ids: [Int64]) {
        for id in ids { connections.removeValue(forKey: id)?.kill() }
    }

    func scriptIsBusy() {
        busyResponder?.serve()
    }

    func busyScriptEnded() {
        busyResponder?.scriptEnded()
    }

    /// ACL SAVE: temporary file, fsync, rename, fsync of the directory — a crash leaves
    /// the old file or the new one, never a mix.
    func saveACLFile(_ text: String, path: String) -> String? {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        do {
            try PosixFileSystem().replaceAtomically(path, with: Array(text.utf8), directory: directory.isEmpty ? "/" : directory)
            logger.notice("ACL file saved: \(path)")
            return nil
        } catch {
            logger.warning("ACL SAVE failed: \(error.description)")
            return error.description
        }
    }

    func readACLFile(path: String) -> Result<String, ACLFileError> {
        do {
            return .success(String(decoding: try PosixFileSystem().read(path), as: UTF8.self))
        } catch {
            return .failure(ACLFileError(ErrorText.describe(error.code)))
        }
    }

    func log(_ level: Settings.LogLevel, _ message: String) {
        logger.log(level: ServerLogOutput.level(level), "\(message)")
    }

    /// New tls-* settings take effect for connections accepted from now on; a context
    /// that cannot be built refuses the CONFIG SET and keeps the old one.
    func prepareSettings(from old: Settings, to new: Settings) -> String? {
        guard let tls, TLSContextProvider.differ(old, new) else { return nil }
        do {
            try tls.reload(new)
            logger.notice("TLS configuration reloaded")
            return nil
        } catch {
            logger.warning("Failed to update the TLS configuration: \(error.description)")
            return "Unable to update TLS configuration. Check server logs."
        }
    }

    func settingsDidChange(from old: Settings, to new: Settings) {
        onSettingsChange(old, new)
    }

    /// Bytes handed out by malloc and not yet freed.
    static func heapInUse() -> Int {
        // The counting allocator's live total (one atomic load); glibc's own report, which
        // walks the heap, only where that allocator is not in use.
        cairn_allocator_counts() != 0 ? Int(cairn_allocated_bytes()) : Int(cairn_heap_in_use())
    }

    /// Resident set size from /proc/self/statm (pages × page size).
    static func residentSetSize() -> Int {
        #if canImport(Glibc)
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var size = 0, resident = 0
        guard withUnsafeMutablePointer(to: &size, { s in
            withUnsafeMutablePointer(to: &resident) { r in
                withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) }
            }
        }) == 2 else { return 0 }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
        #else
        return 0
        #endif
    }
}
