import ArgumentParser
import CairnLog
import CairnProtocol
#if canImport(Glibc)
import Glibc
#endif

/// `cairn-check-aof`: checks an append-only file as redis-check-aof does, and repairs a
/// torn tail. Exit status: 0 valid (or repaired), 1 damaged, 2 could not check.
@main
struct CheckAOF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn-check-aof",
        abstract: "Verify (and repair a torn tail of) a Cairn or Redis append-only file.",
        discussion: """
            PATH is a manifest (appendonly.aof.manifest), the directory holding one, or a
            single file. Every batch's CRC-64 and every command is checked; the report says
            where valid data ends (file, offset, line) and what follows.
            Exit status: 0 valid or repaired, 1 damaged, 2 the files could not be checked.
            """)

    @Argument(help: "A manifest, an append-only directory, or a single .aof file.")
    var path: String

    @Flag(help: "Cut a torn tail off the last file (asks first unless --yes).")
    var fix = false

    @Flag(name: .long, help: "Do not ask before changing a file.")
    var yes = false

    @Option(name: .customLong("truncate-to-timestamp"),
            help: "Cut the last file at its first #TS annotation later than this Unix time (seconds).")
    var truncateToTimestamp: Int64?

    mutating func run() throws {
        let fs = PosixFileSystem()
        let files: [String]
        do {
            files = try Self.files(for: path, fs: fs)
        } catch {
            Self.exit(2, "\(error)")
        }
        // Each file is mapped, checked and described, then let go: a log larger than
        // memory is checked without holding it.
        var results: [Checked] = []
        for file in files {
            do {
                let checked = try fs.withContents(of: file) { bytes in
                    Checked(path: file, bytes: bytes,
                            result: LogReader(bytes).read { (_: Arguments, _: Int) throws(LogReader.ApplyError) in })
                }
                results.append(checked)
            } catch {
                Self.exit(2, "Cannot read \(file): \(error)")
            }
        }
        // The last file that holds anything: only its tail may be cut.
        let lastIndex = results.lastIndex { $0.size > 0 } ?? results.count - 1

        if let limit = truncateToTimestamp {
            let file = results[lastIndex].path, result = results[lastIndex].result
            guard let cut = result.timestamps.first(where: { $0.seconds > limit }) else {
                print("\(file): no #TS annotation after \(limit); nothing to cut")
                return
            }
            cutFile(file, at: cut.offset, fs: fs, why: "data after #TS:\(cut.seconds)")
            return
        }

        var damaged = false
        for (index, entry) in results.enumerated() {
            let name = entry.path
            let size = entry.size
            let kind = entry.result.checksummed ? "checksummed batches" : (size == 0 ? "empty" : "plain commands")
            switch entry.result.outcome {
            case .complete:
                print("\(name): OK, \(entry.result.commands) commands, \(size) bytes (\(kind))")
            case .tornTail(let valid, let reason):
                damaged = true
                report(entry, reason: "torn tail: \(reason)")
                if fix {
                    guard index == lastIndex else {
                        print("  Not fixable with --fix: only the end of the log may be cut.")
                        continue
                    }
                    if cutFile(name, at: valid, fs: fs, why: "a torn tail") { damaged = false }
                } else if index == lastIndex {
                    print("  Run with --fix to cut it (Cairn also cuts it at start-up with aof-load-truncated yes).")
                }
            case .corrupt(let offset, let reason):
                damaged = true
                report(entry, reason: "corruption: \(reason)")
                print("  Not a torn tail: valid data follows the damage at offset \(offset). Restore from a backup,")
                print("  or cut the file yourself at that offset if losing everything after it is acceptable.")
            }
        }
        if damaged { Foundationless.exit(1) }
    }

    /// Where valid data ends and a preview of what follows.
    func report(_ file: Checked, reason: String) {
        print("\(file.path): valid up to offset \(file.validEnd) (line \(file.lineOfValidEnd)); \(file.size - file.validEnd) bytes follow: \(reason)")
        let text = file.preview.map { $0 >= 32 && $0 < 127 ? String(UnicodeScalar($0)) : "." }.joined()
        let hex = file.preview.prefix(16).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
        print("  next bytes: \(hex)\(file.preview.count > 16 ? " ..." : "")  \"\(text)\"")
    }

    /// Cuts `file` at `offset` after asking (unless --yes). Returns true when cut.
    @discardableResult
    func cutFile(_ file: String, at offset: Int, fs: PosixFileSystem, why: String) -> Bool {
        let size = fs.size(file) ?? 0
        guard offset < size else { print("\(file): nothing to cut"); return true }
        // A running server holds its data directory (the one above the log's directory);
        // cutting a file under it would tear what it is appending.
        let lock: DataDirectoryLock
        do { lock = try DataDirectoryLock.acquire(in: Self.dataDirectory(of: file)) } catch {
            Self.exit(2, "Not changing \(file): \(error)")
        }
        defer { withExtendedLifetime(lock) {} }
        if !yes {
            print("Cut \(file) at offset \(offset), removing \(size - offset) bytes (\(why))? [y/N] ", terminator: "")
            guard let answer = readLine(), answer.lowercased().hasPrefix("y") else {
                print("Left unchanged.")
                return false
            }
        }
        do {
            try fs.truncateFile(file, to: offset)
        } catch {
            Self.exit(2, "Cannot cut \(file): \(error)")
        }
        print("\(file): cut at offset \(offset); \(size - offset) bytes removed.")
        return true
    }

    /// The server's `dir` for a log file: the parent of the directory holding it, or for
    /// an old single file outside any log directory, its own directory.
    static func dataDirectory(of file: String) -> String {
        func parent(_ path: String) -> String {
            guard let slash = path.lastIndex(of: "/") else { return "." }
            return slash == path.startIndex ? "/" : String(path[..<slash])
        }
        let directory = parent(file)
        let hasManifest = (PosixFileSystem().list(directory) ?? []).contains { $0.hasSuffix(".manifest") }
        return hasManifest ? parent(directory) : directory
    }

    /// The files to check, in load order.
    static func files(for path: String, fs: PosixFileSystem) throws -> [String] {
        var manifestPath: String?
        if path.hasSuffix(".manifest") {
            manifestPath = path
        } else if let names = fs.list(path) {
            guard let manifest = names.first(where: { $0.hasSuffix(".manifest") }) else {
                throw CheckError("No manifest in directory \(path)")
            }
            manifestPath = path + "/" + manifest
        }
        guard let manifestPath else {
            guard fs.size(path) != nil else { throw CheckError("No such file: \(path)") }
            return [path]
        }
        if let size = fs.size(manifestPath), size > Manifest.maxSize {
            throw CheckError("Invalid manifest \(manifestPath): \(size) bytes, more than any manifest holds (\(Manifest.maxSize))")
        }
        let text: [UInt8]
        do { text = try fs.read(manifestPath) } catch { throw CheckError("Cannot read \(manifestPath): \(error)") }
        let manifest: Manifest
        do { manifest = try Manifest.parse(String(decoding: text, as: UTF8.self)) } catch {
            throw CheckError("Invalid manifest \(manifestPath): \(error)")
        }
        let directory = manifestPath.lastIndex(of: "/").map { String(manifestPath[..<$0]) } ?? "."
        let files = manifest.loadOrder.map { directory + "/" + $0.name }
        for file in files where fs.size(file) == nil {
            throw CheckError("The manifest names \(file), which does not exist")
        }
        return files
    }

    static func exit(_ code: Int32, _ message: String) -> Never {
        let bytes = Array((message + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
        Foundationless.exit(code)
    }
}

/// One file's verdict, with what the report shows of it (taken while it was mapped).
struct Checked {
    let path: String
    let size: Int
    let result: LogReader.Result
    /// Where valid data ends (the whole file when it is valid).
    let validEnd: Int
    /// The line number at `validEnd`, counted from 1.
    let lineOfValidEnd: Int
    /// Up to 48 bytes from `validEnd`.
    let preview: [UInt8]

    init(path: String, bytes: UnsafeRawBufferPointer, result: LogReader.Result) {
        self.path = path
        self.size = bytes.count
        self.result = result
        switch result.outcome {
        case .complete: validEnd = bytes.count
        case .tornTail(let valid, _): validEnd = min(valid, bytes.count)
        case .corrupt(let offset, _): validEnd = min(offset, bytes.count)
        }
        lineOfValidEnd = bytes[0..<validEnd].reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
        preview = Array(bytes[validEnd..<min(validEnd + 48, bytes.count)])
    }
}

struct CheckError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum Foundationless {
    static func exit(_ code: Int32) -> Never { Glibc.exit(code) }
}
