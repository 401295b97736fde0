import NIOCore
import CairnProtocol
@testable import CairnCommands
@testable import CairnLog
import CairnLogTesting

/// The pieces of a server that the crash tests drive by hand: an engine on a simulated
/// clock, one client, and a log on a simulated disk under /data, opened for appending.
struct SimulatedServer {
    let fs: SimulatedFileSystem
    let layout = LogLayout(workingDirectory: "/data")
    let clock = SimulatedClock()
    let engine: Engine
    let client: ClientSession
    let files: LogFiles
    let writer: LogWriter

    init(policy: FsyncPolicy, fs: SimulatedFileSystem = SimulatedFileSystem()) throws {
        self.fs = fs
        fs.makeDurableDirectory("/data")
        let clock = self.clock
        engine = Engine(clock: { clock.now })
        engine.propagation.isEnabled = true
        client = engine.connect(address: "sim", localAddress: "sim")
        files = try LogFiles.open(fs: fs, layout: layout)
        _ = try files.load(truncateTail: true) { (_: Arguments) throws(LogReader.ApplyError) in }
        try files.openForAppending()
        writer = LogWriter(files: files, policy: policy, interval: 1000)
    }

    /// Runs one command; the reply is discarded.
    func run(_ command: [String]) {
        var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 0))
        engine.execute(Arguments(strings: command), client: client, into: &out)
    }
}
