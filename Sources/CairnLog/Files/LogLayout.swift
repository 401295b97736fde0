/// Where the log's files live: `<dir>/<appenddirname>/<appendfilename>.*`.
public struct LogLayout: Sendable, Equatable {
    /// The server's working directory (`dir`).
    public let workingDirectory: String
    /// `appenddirname`.
    public let directoryName: String
    /// `appendfilename`.
    public let fileName: String

    public init(workingDirectory: String, directoryName: String = "appendonlydir", fileName: String = "appendonly.aof") {
        self.workingDirectory = workingDirectory
        self.directoryName = directoryName
        self.fileName = fileName
    }

    public var directory: String { workingDirectory + "/" + directoryName }
    public var manifestName: String { fileName + ".manifest" }
    public var manifestPath: String { path(manifestName) }
    /// A single-file AOF from Redis before 7, in the working directory.
    public var legacyPath: String { workingDirectory + "/" + fileName }

    public func path(_ name: String) -> String { directory + "/" + name }
    public func baseName(_ seq: Int) -> String { "\(fileName).\(seq).base.aof" }
    public func incrementName(_ seq: Int) -> String { "\(fileName).\(seq).incr.aof" }
}

/// Why the log cannot be used: a message that names the file and offset, and how to repair.
public struct LogError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
