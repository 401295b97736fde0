#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import Logging
import NIOConcurrencyHelpers
public import CairnConfig

/// Where the server's log goes — standard output or `logfile`, and syslog when
/// `syslog-enabled` — and the level lines pass at. Every `Logger` the server makes
/// shares one, so `CONFIG SET loglevel` reaches them all.
///
/// Lines are written as Redis writes them, so tools that read Redis logs read Cairn's:
/// `pid:M 26 Nov 2026 15:39:09.123 * message`, with `.` debug, `-` verbose, `*` notice
/// and `#` warning. The file is opened for each line in append mode, as Redis does, so
/// logrotate can move it away without a signal.
public final class ServerLogOutput: Sendable {
    /// "" for standard output.
    public let path: String
    private let level: NIOLockedValueBox<Logger.Level>
    private let syslogEnabled: Bool
    /// Serialises lines from the loop and the background threads.
    private let lock = NIOLock()

    public init(settings: Settings) {
        path = settings.logfile
        level = NIOLockedValueBox(Self.level(settings.loglevel))
        syslogEnabled = settings.syslogEnabled
        if syslogEnabled {
            // openlog keeps the pointer: the copy lives as long as the process.
            openlog(strdup(settings.syslogIdent), LOG_PID | LOG_NDELAY | LOG_NOWAIT, Self.facility(settings.syslogFacility))
        }
    }

    /// Nil if the log file can be opened for appending, else why not (checked at start-up,
    /// where Redis refuses to start on an unwritable `logfile` too).
    public static func check(path: String) -> String? {
        guard !path.isEmpty else { return nil }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "Can't open the log file: \(String(cString: strerror(errno)))" }
        close(fd)
        return nil
    }

    public var logLevel: Logger.Level {
        get { level.withLockedValue { $0 } }
        set { level.withLockedValue { $0 = newValue } }
    }

    /// A logger writing here.
    public func logger(label: String) -> Logger {
        Logger(label: label) { _ in ServerLogHandler(output: self) }
    }

    func write(_ level: Logger.Level, _ message: String) {
        let line = "\(getpid()):M \(Self.timestamp()) \(Self.mark(level)) \(message)\n"
        lock.withLock {
            let bytes = Array(line.utf8)
            if path.isEmpty {
                Self.writeAll(1, bytes)
            } else {
                let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
                if fd >= 0 {
                    Self.writeAll(fd, bytes)
                    close(fd)
                }
            }
        }
        if syslogEnabled {
            message.withCString { text in
                withVaList([text]) { vsyslog(Self.priority(level), "%s", $0) }
            }
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    /// `26 Nov 2026 15:39:09.123`, local time, as Redis's log shows it.
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var seconds = ts.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, "%d %b %Y %H:%M:%S", &parts)
        let millis = Int(ts.tv_nsec / 1_000_000)
        let text = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text + "." + (millis < 10 ? "00" : millis < 100 ? "0" : "") + String(millis)
    }

    static func mark(_ level: Logger.Level) -> Character {
        switch level {
        case .trace, .debug: return "."
        case .info: return "-"
        case .notice: return "*"
        case .warning, .error, .critical: return "#"
        }
    }

    private static func priority(_ level: Logger.Level) -> Int32 {
        switch level {
        case .trace, .debug: return LOG_DEBUG
        case .info: return LOG_INFO
        case .notice: return LOG_NOTICE
        case .warning: return LOG_WARNING
        case .error: return LOG_ERR
        case .critical: return LOG_CRIT
        }
    }

    private static func facility(_ facility: Settings.SyslogFacility) -> Int32 {
        switch facility {
        case .user: return LOG_USER
        case .local0: return LOG_LOCAL0
        case .local1: return LOG_LOCAL1
        case .local2: return LOG_LOCAL2
        case .local3: return LOG_LOCAL3
        case .local4: return LOG_LOCAL4
        case .local5: return LOG_LOCAL5
        case .local6: return LOG_LOCAL6
        case .local7: return LOG_LOCAL7
        }
    }

    /// redis.conf's log levels in swift-log's terms.
    public static func level(_ level: Settings.LogLevel) -> Logger.Level {
        switch level {
        case .debug: return .debug
        case .verbose: return .info
        case .notice: return .notice
        case .warning: return .warning
        }
    }
}

/// swift-log's side of `ServerLogOutput`: the level is the output's, shared.
public struct ServerLogHandler: LogHandler {
    let output: ServerLogOutput
    public var metadata: Logger.Metadata = [:]

    public init(output: ServerLogOutput) {
        self.output = output
    }

    public var logLevel: Logger.Level {
        get { output.logLevel }
        set { output.logLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        output.write(event.level, event.message.description)
    }
}
