import class Foundation.ProcessInfo
import Testing
import CairnTestSupport
import NIOCore
import NIOConcurrencyHelpers
import CairnProtocol
@testable import CairnLog
import CairnLogTesting

/// The log's fuzzer: a valid directory (a Redis-style plain base, a checksummed increment,
/// the manifest) is damaged — bit flips, cuts, length fields replaced by huge, negative or
/// non-numeric numbers, garbage, runs of zeros, manifest lines with absurd sequence
/// numbers, names with '/' or '..', very long lines — and loaded. Loading must follow the
/// recovery rules or refuse with `LogError`: never trap, never touch a path outside the
/// directory, and never accept a damaged batch (what loads from the checksummed file is
/// always a prefix of what was written). A log cut back once loads complete afterwards.
///
/// `CAIRN_FUZZ_ITERATIONS` (default 4,000) and `CAIRN_FUZZ_SEED` run it longer or replay
/// one seed; see docs/reliability.md. cairn-check-aof reads files with the same
/// `LogReader` and `Manifest.parse`; tests/test_reliability.py runs the binary itself on
/// damaged directories.
@Suite struct LogFuzzTests {
    static let layout = LogLayout(workingDirectory: "/data")
    static let baseCommands: [[String]] = [
        ["SELECT", "0"], ["SET", "a", "1"], ["HSET", "h", "f", "v", "g", "w"], ["PEXPIREAT", "a", "99999999999999"],
        ["SET", "big", String(repeating: "b", count: 300)], ["DEL", "nothing"],
    ]
    static let batches: [[[String]]] = [
        [["SET", "k1", "v1"]],
        [["MULTI"], ["SET", "k2", "v2"], ["INCR", "n"], ["EXEC"]],
        [["HSET", "h", "x", "1"], ["SET", "k3", String(repeating: "z", count: 200)]],
        [["DEL", "k1"]],
        [["SET", "k4", "v4"], ["SELECT", "1"], ["SET", "other", "db"]],
    ]
    static let hostileNumbers = ["9223372036854775807", "9223372036854775808", "-1", "-9223372036854775808",
                                 "99999999999999999999", "abc", "", "4294967296", "2147483648", "0", "1e3", " 5"]

    /// Commands the increment delivers, in order (MULTI and EXEC are not delivered).
    static var incrementCommands: [[String]] {
        batches.flatMap { $0 }.filter { $0 != ["MULTI"] && $0 != ["EXEC"] }
    }

    @Test func damagedDirectoriesLoadByTheRulesOrRefuse() throws {
        let env = ProcessInfo.processInfo.environment
        var rng = SplitMix64(state: env["CAIRN_FUZZ_SEED"].flatMap(UInt64.init) ?? 11)
        let iterations = env["CAIRN_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 4_000
        let layout = Self.layout
        let baseName = layout.baseName(1), incrName = layout.incrementName(1)
        let base = Array("#TS:1700000000\r\n".utf8) + resp(Self.baseCommands)
        let increment = Self.batches.enumerated().flatMap { batch($0.element, timestamp: Int64(1_700_000_000 + $0.offset)) }
        let manifest = Array("file \(baseName) seq 1 type b\nfile \(incrName) seq 1 type i\n".utf8)
        var outcomes: [String: Int] = [:]

        for iteration in 0..<iterations {
            var files = [baseName: base, incrName: increment, layout.manifestName: manifest]
            let target = [incrName, incrName, baseName, layout.manifestName].randomElement(using: &rng)!
            var copied = false
            if target == layout.manifestName {
                files[target] = Self.mutateManifest(manifest, using: &rng)
            } else {
                (files[target], copied) = Self.mutate(files[target]!, using: &rng)
            }
            let inner = SimulatedFileSystem()
            inner.makeDurableDirectory("/data")
            inner.makeDurableDirectory(layout.directory)
            for (name, bytes) in files { try put(inner, layout.path(name), bytes) }
            let fs = GuardedFileSystem(inner: inner, allowed: layout)

            var seen: [[String]] = []
            let truncate = Bool.random(using: &rng)
            var outcome: String
            do {
                let log = try LogFiles.open(fs: fs, layout: layout)
                let report = try log.load(truncateTail: truncate) { (args: Arguments) throws(LogReader.ApplyError) in
                    seen.append((0..<args.count).map { args.string($0) })
                }
                outcome = report.truncation == nil ? "loaded" : "loaded after cutting a torn tail"
                if target == incrName {
                    // The checksummed file: the base whole, then a prefix of what was written.
                    let tail = Array(seen.dropFirst(Self.baseCommands.count))
                    #expect(Array(seen.prefix(Self.baseCommands.count)) == Self.baseCommands, "iteration \(iteration)")
                    if copied {
                        // A whole valid batch copied elsewhere (a misdirected write) is valid
                        // data: batches carry no sequence number. Nothing else may appear.
                        #expect(tail.allSatisfy(Self.incrementCommands.contains), "iteration \(iteration)")
                    } else {
                        #expect(tail == Array(Self.incrementCommands.prefix(tail.count)),
                                "iteration \(iteration): a damaged batch was applied: \(String(decoding: files[incrName]!, as: UTF8.self).debugDescription)")
                    }
                }
                if report.truncation != nil {
                    // Cut once, the log then loads complete, to the same commands.
                    var again: [[String]] = []
                    let second = try LogFiles.open(fs: fs, layout: layout).load(truncateTail: false) { (args: Arguments) throws(LogReader.ApplyError) in
                        again.append((0..<args.count).map { args.string($0) })
                    }
                    #expect(second.truncation == nil && again == seen, "iteration \(iteration): a cut log does not reload the same")
                }
            } catch {
                outcome = "refused"
                #expect(!error.message.isEmpty)
            }
            outcomes[outcome, default: 0] += 1
            #expect(fs.outside.isEmpty, "iteration \(iteration): touched \(fs.outside)")
        }
        // The mutations reach every outcome, or the fuzzer is not exercising the rules.
        #expect(outcomes.count == 3, "\(outcomes)")
    }

    /// One to three damages to a file's bytes; says whether a region was copied.
    static func mutate(_ original: [UInt8], using rng: inout SplitMix64) -> ([UInt8], copied: Bool) {
        var bytes = original
        var copied = false
        for _ in 0..<Int.random(in: 1...3, using: &rng) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: bytes[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            case 1: bytes.removeSubrange(at...)
            case 2, 3:
                // A length field ($n, *n, #CAIRN:n) replaced by a hostile number.
                let markers = bytes.indices.filter { bytes[$0] == UInt8(ascii: "$") || bytes[$0] == UInt8(ascii: "*") || bytes[$0] == UInt8(ascii: ":") }
                guard let m = markers.randomElement(using: &rng) else { continue }
                var end = m + 1
                while end < bytes.count, bytes[end] != 13, bytes[end] != UInt8(ascii: ":") { end += 1 }
                bytes.replaceSubrange((m + 1)..<end, with: Array(hostileNumbers.randomElement(using: &rng)!.utf8))
            case 4: bytes.insert(contentsOf: (0..<Int.random(in: 1...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            case 5:
                let n = min(Int.random(in: 1...300, using: &rng), bytes.count - at)
                bytes.replaceSubrange(at..<(at + n), with: repeatElement(0, count: n))
            default:
                let n = min(Int.random(in: 1...100, using: &rng), bytes.count - at)
                bytes.insert(contentsOf: bytes[at..<(at + n)], at: Int.random(in: 0...bytes.count, using: &rng))
                copied = true
            }
        }
        return (bytes, copied)
    }

    static func mutateManifest(_ original: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var text = String(decoding: original, as: UTF8.self)
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: text = text.replacing("seq 1 type i", with: "seq \(hostileNumbers.randomElement(using: &rng)!) type i")
        case 1: text = text.replacing("seq 1 type b", with: "seq 9223372036854775807 type b")
        case 2:
            let name = ["../appendonly.aof.1.incr.aof", "..", ".", "/etc/passwd", "a/b", "../../outside",
                        String(repeating: "n", count: 5000), "x\u{0}y"].randomElement(using: &rng)!
            text = text.replacing("appendonly.aof.1.incr.aof", with: name)
        case 3: text += "file missing.aof seq 2 type i\n"
        case 4: text += String(repeating: "f", count: 100_000) + "\n"
        case 5: text = String(text.dropLast(Int.random(in: 1...20, using: &rng)))
        case 6: text += "file appendonly.aof.1.base.aof seq 3 type i\n"
        default: return mutate(original, using: &rng).0
        }
        return Array(text.utf8)
    }

    func put(_ fs: SimulatedFileSystem, _ path: String, _ bytes: [UInt8]) throws {
        let file = try fs.openForAppend(path)
        _ = bytes.withUnsafeBytes { fs.writeAll(file, $0) }
        try fs.sync(file)
        fs.close(file)
    }
}

/// Forwards to a simulated file system and notes every path outside the log's directory
/// (other than the two the layout itself looks at: `dir`, and the legacy single file).
final class GuardedFileSystem: FileSystem {
    let inner: SimulatedFileSystem
    let allowed: LogLayout
    private let touched = NIOLockedValueBox<[String]>([])
    var outside: [String] { touched.withLockedValue { $0 } }

    init(inner: SimulatedFileSystem, allowed: LogLayout) {
        self.inner = inner
        self.allowed = allowed
    }

    private func check(_ path: String) {
        let inDirectory = path.hasPrefix(allowed.directory + "/") && !path.dropFirst(allowed.directory.count + 1).contains("/")
            && !path.hasSuffix("/..") && !path.hasSuffix("/.")
        if !inDirectory && path != allowed.directory && path != allowed.workingDirectory && path != allowed.legacyPath {
            touched.withLockedValue { $0.append(path) }
        }
    }

    func openForAppend(_ path: String) throws(FileSystemError) -> FileHandle { check(path); return try inner.openForAppend(path) }
    func write(_ file: FileHandle, _ bytes: UnsafeRawBufferPointer) throws(FileSystemError) -> Int { try inner.write(file, bytes) }
    func sync(_ file: FileHandle) throws(FileSystemError) { try inner.sync(file) }
    func truncate(_ file: FileHandle, to size: Int) throws(FileSystemError) { try inner.truncate(file, to: size) }
    func close(_ file: FileHandle) { inner.close(file) }
    func read(_ path: String) throws(FileSystemError) -> [UInt8] { check(path); return try inner.read(path) }
    func size(_ path: String) -> Int? { check(path); return inner.size(path) }
    func truncateFile(_ path: String, to size: Int) throws(FileSystemError) { check(path); try inner.truncateFile(path, to: size) }
    func rename(_ from: String, to: String) throws(FileSystemError) { check(from); check(to); try inner.rename(from, to: to) }
    func remove(_ path: String) throws(FileSystemError) { check(path); try inner.remove(path) }
    func makeDirectory(_ path: String) throws(FileSystemError) { check(path); try inner.makeDirectory(path) }
    func syncDirectory(_ path: String) throws(FileSystemError) { check(path); try inner.syncDirectory(path) }
    func list(_ directory: String) -> [String]? { check(directory); return inner.list(directory) }
}
