import Testing
import NIOCore
import CairnProtocol
@testable import CairnLog
import CairnLogTesting

func payload(_ commands: [[String]]) -> ByteBuffer {
    var b = ByteBufferAllocator().buffer(capacity: 0)
    b.writeBytes(resp(commands))
    return b
}

func load(_ files: LogFiles, truncate: Bool = true) throws -> ([[String]], LogFiles.LoadReport) {
    var seen: [[String]] = []
    let report = try files.load(truncateTail: truncate) { (args: Arguments) throws(LogReader.ApplyError) in
        seen.append((0..<args.count).map { args.string($0) })
    }
    return (seen, report)
}

@Suite struct LogFilesTests {
    let layout = LogLayout(workingDirectory: "/data")

    func freshFS() -> SimulatedFileSystem {
        let fs = SimulatedFileSystem()
        fs.makeDurableDirectory("/data")
        return fs
    }

    @Test func createsRedisLayoutDurably() throws {
        let fs = freshFS()
        let files = try LogFiles.open(fs: fs, layout: layout)
        #expect(fs.list("/data/appendonlydir") == ["appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"])
        #expect(String(decoding: try fs.read(layout.manifestPath), as: UTF8.self)
                == "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
        _ = files
        // Everything was fsynced: a power loss right now keeps the whole layout.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let after = fs.powerLoss(using: &rng)
            #expect(after.list("/data/appendonlydir")?.count == 3)
            let reopened = try LogFiles.open(fs: after, layout: layout)
            #expect(reopened.manifest == files.manifest)
        }
    }

    @Test func appendsAreReplayedAndATruncatedLoadCanBeAppendedTo() throws {
        let fs = freshFS()
        let files = try LogFiles.open(fs: fs, layout: layout)
        _ = try load(files)
        try files.openForAppending()
        #expect(files.append(payload([["SET", "a", "1"]]), now: 1_000) == nil)
        #expect(files.append(payload([["SET", "b", "2"]]), now: 2_000) == nil)
        files.close()
        // Tear the last batch.
        let path = layout.path("appendonly.aof.1.incr.aof")
        let size = fs.size(path) ?? 0
        try fs.truncateFile(path, to: size - 4)
        let reopened = try LogFiles.open(fs: fs, layout: layout)
        #expect(throws: LogError.self) { try load(reopened, truncate: false) }
        let (seen, report) = try load(reopened)
        #expect(seen == [["SET", "a", "1"]])
        #expect(report.truncation?.file == "appendonly.aof.1.incr.aof")
        try reopened.openForAppending()
        #expect(reopened.append(payload([["SET", "c", "3"]]), now: 3_000) == nil)
        reopened.close()
        let (again, report2) = try load(try LogFiles.open(fs: fs, layout: layout), truncate: false)
        #expect(again == [["SET", "a", "1"], ["SET", "c", "3"]])
        #expect(report2.truncation == nil)
    }

    @Test func aFailedWriteIsCutBackSoLaterBatchesStayValid() throws {
        let fs = freshFS()
        let files = try LogFiles.open(fs: fs, layout: layout)
        try files.openForAppending()
        #expect(files.append(payload([["SET", "a", "1"]]), now: 1_000) == nil)
        let used = (fs.size(layout.path("appendonly.aof.1.incr.aof")) ?? 0) + (fs.size(layout.manifestPath) ?? 0)
        fs.setCapacity(used + 10)
        let failure = files.append(payload([["SET", "b", String(repeating: "x", count: 100)]]), now: 2_000)
        #expect(failure?.code == 28)  // ENOSPC
        fs.setCapacity(nil)
        #expect(files.append(payload([["SET", "c", "3"]]), now: 3_000) == nil)
        files.close()
        let (seen, report) = try load(try LogFiles.open(fs: fs, layout: layout), truncate: false)
        #expect(seen == [["SET", "a", "1"], ["SET", "c", "3"]])
        #expect(report.truncation == nil)
    }

    @Test func corruptionInTheMiddleRefusesToLoad() throws {
        let fs = freshFS()
        let files = try LogFiles.open(fs: fs, layout: layout)
        try files.openForAppending()
        for i in 0..<3 { #expect(files.append(payload([["SET", "k\(i)", "v"]]), now: Int64(i) * 1000) == nil) }
        files.close()
        let path = layout.path("appendonly.aof.1.incr.aof")
        var bytes = try fs.read(path)
        bytes[40] ^= 0xFF
        try fs.truncateFile(path, to: 0)
        let handle = try fs.openForAppend(path)
        _ = bytes.withUnsafeBytes { fs.writeAll(handle, $0) }
        fs.close(handle)
        do {
            _ = try load(try LogFiles.open(fs: fs, layout: layout))
            Issue.record("corruption must refuse to load")
        } catch {
            #expect(String(describing: error).contains("appendonly.aof.1.incr.aof"))
            #expect(String(describing: error).contains("cairn-check-aof"))
        }
    }

    @Test func aRedisSingleFileIsUpgradedAndLoaded() throws {
        let fs = freshFS()
        let legacy = try fs.openForAppend("/data/appendonly.aof")
        let old = resp([["SELECT", "0"], ["SET", "old", "value"]])
        _ = old.withUnsafeBytes { fs.writeAll(legacy, $0) }
        fs.close(legacy)
        let files = try LogFiles.open(fs: fs, layout: layout)
        #expect(files.manifest.base?.name == "appendonly.aof")
        #expect(fs.size("/data/appendonly.aof") == nil)
        let (seen, _) = try load(files)
        #expect(seen == [["SELECT", "0"], ["SET", "old", "value"]])
    }

    @Test func aMissingFileNamedByTheManifestRefusesToLoad() throws {
        let fs = freshFS()
        _ = try LogFiles.open(fs: fs, layout: layout)
        try fs.remove(layout.path("appendonly.aof.1.incr.aof"))
        #expect(throws: LogError.self) { try load(try LogFiles.open(fs: fs, layout: layout)) }
    }
}
