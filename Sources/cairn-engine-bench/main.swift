// Measures Cairn's own cost per command, without the network: each request is decoded
// from RESP, executed by the engine with its effects recorded (as with the append-only
// file on), and its reply written, as a connection does — but no socket, no event loop,
// no kernel. Set beside a server's CPU per call (scripts/bench_cpu_split.py), it says
// how much of that is the engine's. Run in release:
//   swift run -c release cairn-engine-bench [calls per round]
import CairnCommands
import CairnProtocol
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

let calls = max(1, CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 200_000)
let clock = ContinuousClock()
var rng = SystemRandomNumberGenerator()

let engine = Engine()
engine.propagation.isEnabled = true
let client = engine.connect(address: "127.0.0.1:5000", localAddress: "127.0.0.1:7379")

/// A request as a client sends it: an array of bulk strings (RESP's encoding of either).
nonisolated func encode(_ parts: [String]) -> ByteBuffer {
    var buffer = ByteBufferAllocator().buffer(capacity: 64)
    buffer.writeArrayHeader(parts.count)
    for part in parts { buffer.writeBulk(part) }
    return buffer
}

/// Runs `requests` through the decoder, the engine and a reply buffer, the way a
/// connection's read does; returns the first reply of the batch. An error reply stops
/// the run: a benchmark of failing calls measures the wrong thing.
@discardableResult
@MainActor func execute(_ requests: [ByteBuffer]) -> String {
    var decoder = RequestDecoder()
    var args = Arguments()
    var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 1 << 16))
    var first = ""
    for var request in requests {
        guard (try? decoder.decode(&request, into: &args)) == true else { stop("a request did not decode") }
        engine.execute(args, client: client, into: &out)
        if out.buffer.getInteger(at: out.buffer.readerIndex, as: UInt8.self) == UInt8(ascii: "-") {
            stop("error reply: \(out.buffer.getString(at: out.buffer.readerIndex, length: out.buffer.readableBytes) ?? "")")
        }
        if first.isEmpty { first = out.buffer.getString(at: out.buffer.readerIndex, length: out.buffer.readableBytes) ?? "" }
        out.buffer.clear()
        if engine.propagation.pending.readableBytes > 1 << 20 { _ = engine.propagation.take() }
    }
    _ = engine.propagation.take()
    return first
}

func stop(_ why: String) -> Never {
    print(why)
    exit(1)
}

/// Median ns per call over 5 rounds of `calls` requests made by `make`.
@MainActor func measure(_ label: String, _ make: () -> [String]) {
    var rounds: [Double] = []
    for _ in 0..<5 {
        let requests = (0..<calls).map { _ in encode(make()) }
        let elapsed = clock.measure { execute(requests) }
        rounds.append(Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9)
    }
    let median = rounds.sorted()[2] / Double(calls)
    print("\(label): \(Int(median.rounded())) ns per call")
}

/// A random key of 100,000 under `prefix` (strings and counters apart, so that INCR never
/// meets SET's value).
@MainActor func key(_ prefix: String) -> String { "\(prefix):\(Int.random(in: 0..<100_000, using: &rng))" }

let sha = String(execute([encode(["SCRIPT", "LOAD", "redis.call('incr', KEYS[1]) return redis.call('get', KEYS[1])"])])
    .split(separator: "\r\n")[1])
execute([encode(["FUNCTION", "LOAD", "#!lua name=bench\nredis.register_function('incrget', function(keys, args) "
                 + "redis.call('incr', keys[1]) return redis.call('get', keys[1]) end)"])])

print("\(calls) calls per round, medians of 5 rounds, effects recorded")
measure("SET") { ["SET", key("s"), "v"] }
measure("GET") { ["GET", key("s")] }
measure("INCR") { ["INCR", key("n")] }
measure("EVALSHA (INCR + GET)") { ["EVALSHA", sha, "1", key("n")] }
measure("FCALL (INCR + GET)") { ["FCALL", "incrget", "1", key("n")] }
measure("XADD") { ["XADD", "s", "*", "field", "value"] }
