// Measures the keyspace alone: lookups, updates, and the cost of holding a snapshot
// (what a background rewrite does). Run in release:
//   swift run -c release cairn-keyspace-bench [keys]
import CairnKeyspace
#if canImport(Glibc)
import Glibc
#endif

let keyCount = max(1, CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000)
let clock = ContinuousClock()

func key(_ i: Int) -> Key {
    var digits = Array("key:000000000000".utf8)
    var n = i
    var p = digits.count - 1
    while n > 0 && p >= 4 { digits[p] = UInt8(48 + n % 10); n /= 10; p -= 1 }
    return Key(digits)
}

func rounded(_ x: Double, _ places: Int = 0) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let n = (x * scale).rounded() / scale
    return places == 0 ? String(Int(n)) : String(n)
}

func nanoseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
}

var rng = SystemRandomNumberGenerator()
let keys = (0..<keyCount).map(key)
let value = Value.string(ByteString(Array(repeating: UInt8(ascii: "v"), count: 16)))
var db = Database()
let fill = clock.measure { for k in keys { db.set(k, Entry(value: value), now: 0) } }
print("keys: \(keyCount), 16-byte keys and values")
print("fill: \(rounded(nanoseconds(fill) / Double(keyCount))) ns/key")

let probes = (0..<1_000_000).map { _ in keys[Int.random(in: 0..<keyCount, using: &rng)] }
var found = 0
let lookups = clock.measure { for k in probes where db.lookup(k, now: 0) != nil { found += 1 } }
print("lookup: \(rounded(nanoseconds(lookups) / Double(probes.count))) ns/op (found \(found))")
let updates = clock.measure { for k in probes { db.set(k, Entry(value: value), now: 0) } }
print("update: \(rounded(nanoseconds(updates) / Double(probes.count))) ns/op")

/// Times each write of `probes` separately; returns the durations in ns, sorted.
func timedWrites(_ db: inout Database) -> [Double] {
    var times: [Double] = []
    times.reserveCapacity(probes.count)
    for k in probes {
        let d = clock.measure { db.set(k, Entry(value: value), now: 0) }
        times.append(nanoseconds(d))
    }
    return times.sorted()
}

func describe(_ label: String, _ t: [Double]) {
    func at(_ q: Double) -> Double { t[min(t.count - 1, Int(Double(t.count) * q))] }
    let mean = t.reduce(0, +) / Double(t.count)
    print("\(label): mean \(rounded(mean)) ns, p50 \(rounded(at(0.5))) ns, p99 \(rounded(at(0.99))) ns, "
          + "p99.9 \(rounded(at(0.999) / 1000, 1)) µs, max \(rounded(t[t.count - 1] / 1000, 1)) µs, "
          + "writes over 100 µs: \(t.filter { $0 > 100_000 }.count)")
}

// The noise floor: the same writes with no snapshot.
describe("writes, no snapshot", timedWrites(&db))
// Holding a snapshot: the first write to each segment copies that segment.
let snapshot = db
describe("writes while a snapshot is held", timedWrites(&db))
print("segments: \(Database.segmentCount), about \(keyCount / Database.segmentCount) keys each; snapshot still has \(snapshot.count) keys")

// A consumer group's pending entries: what XREADGROUP and XACK change. 200,000 entries
// delivered in ID order to one consumer, then acknowledged in random order (the
// redis-benchmark XACK loop of scripts/bench_streams.py, without the server around it).
let pendingCount = 200_000
let consumer = ByteString(Array("c".utf8))
var pendingTimes: (deliver: [Double], acknowledge: [Double], slowest: [Double]) = ([], [], [])
for _ in 0..<5 {
    var group = StreamGroup(lastDeliveredID: .zero, entriesRead: 0)
    let delivered = clock.measure {
        for i in 0..<pendingCount {
            group.assign(StreamID(ms: 1, seq: UInt64(i)), to: consumer, deliveryTime: 0, deliveryCount: 1, now: 0)
        }
    }
    let order = (0..<pendingCount).shuffled(using: &rng)
    var acknowledged = 0
    var slowest = Duration.zero
    let acks = clock.measure {
        for i in order {
            let started = clock.now
            if group.acknowledge(StreamID(ms: 1, seq: UInt64(i))) { acknowledged += 1 }
            slowest = max(slowest, clock.now - started)
        }
    }
    pendingTimes.slowest.append(nanoseconds(slowest))
    precondition(acknowledged == pendingCount && group.pending.isEmpty)
    pendingTimes.deliver.append(nanoseconds(delivered) / Double(pendingCount))
    pendingTimes.acknowledge.append(nanoseconds(acks) / Double(pendingCount))
}
print("pending entries (\(pendingCount), median of 5): deliver \(rounded(pendingTimes.deliver.sorted()[2])) ns, "
      + "acknowledge in random order \(rounded(pendingTimes.acknowledge.sorted()[2])) ns "
      + "(timed one by one; slowest single one, median over rounds, \(rounded(pendingTimes.slowest.sorted()[2] / 1e6, 2)) ms)")
