import CFuzzDriver
import NIOCore
import CairnProtocol
import CairnCommands
import CairnConfig

/// One engine for the whole run, as a server has: state built by earlier inputs (keys of
/// every type, expiries, MULTI) meets later ones. Flushed now and then to stay small.
nonisolated(unsafe) var engine: Engine? = nil
nonisolated(unsafe) var client: ClientSession? = nil
nonisolated(unsafe) var runs = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommands(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if engine == nil {
        var settings = Settings()
        settings.protoMaxBulkLen = 1 << 20
        let e = Engine(settings: settings, clock: { 1_700_000_000_000 + Int64(runs) })
        e.propagation.isEnabled = true
        // A generated script may loop forever; stop it as SCRIPT KILL would.
        e.scriptKillAfterMilliseconds = 50
        engine = e
        client = e.connect(address: "127.0.0.1:1", localAddress: "127.0.0.1:2")
    }
    guard let engine, var session = client else { return 0 }
    runs += 1
    // Commands run as an ACL user whose rules inputs may change; every 100 inputs it is
    // given everything again (and a connection it lost, as to DELUSER, comes back).
    if runs % 100 == 1 {
        var setup = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 64))
        engine.execute(Arguments(strings: ["ACL", "SETUSER", "fz", "reset", "on", "nopass", "~*", "&*", "+@all"]),
                       client: session, into: &setup)
        if case .closing = session.state {
            engine.disconnect(session)
            session = engine.connect(address: "127.0.0.1:1", localAddress: "127.0.0.1:2")
            client = session
        }
        session.user = engine.access.user(named: "fz")
        session.authenticated = true
    }
    var decoder = RequestDecoder(maxBulkLength: 1 << 20)
    var args = Arguments()
    var buffer = ByteBufferAllocator().buffer(capacity: size)
    buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: size))
    var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 256))
    while (try? decoder.decode(&buffer, into: &args)) == true {
        if args.isEmpty { continue }
        if args.equals(0, lowercase: "shutdown") { continue }
        engine.execute(args, client: session, into: &out)
        out.buffer.clear()
        // A parked client sends nothing more; one that subscribed or monitors would be in
        // another mode: as a connection would end, end this one and start afresh.
        if session.state.isBlocked || session.hasSubscriptions || isMonitoring(session) {
            engine.releasePausedClients(now: 1_700_000_000_000 + Int64(runs))  // a CLIENT PAUSE ends
            engine.disconnect(session)
            client = engine.connect(address: "127.0.0.1:1", localAddress: "127.0.0.1:2")
            break
        }
    }
    _ = engine.propagation.take()
    if runs % 10_000 == 0 {
        engine.execute(Arguments(strings: ["FLUSHALL"]), client: client ?? session, into: &out)
        _ = engine.propagation.take()
    }
    return 0
}

func isMonitoring(_ client: ClientSession) -> Bool {
    if case .monitoring = client.state { return true }
    return false
}

/// The entry point SwiftPM links as `main` for this executable.
@_cdecl("fuzz_commands_main")
public func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    cairn_fuzz_run(argc, argv) { data, size in data.map { fuzzCommands($0, size) } ?? 0 }
}
