import Testing
import NIOCore
import CairnProtocol
@testable import CairnLog

func resp(_ commands: [[String]]) -> [UInt8] {
    var out: [UInt8] = []
    for command in commands {
        out += Array("*\(command.count)\r\n".utf8)
        for arg in command { out += Array("$\(arg.utf8.count)\r\n\(arg)\r\n".utf8) }
    }
    return out
}

func batch(_ commands: [[String]], timestamp: Int64? = nil) -> [UInt8] {
    var payload = ByteBufferAllocator().buffer(capacity: 0)
    payload.writeBytes(resp(commands))
    var out = ByteBufferAllocator().buffer(capacity: 0)
    BatchEncoding.encode(payload, timestamp: timestamp, into: &out)
    return Array(out.readableBytesView)
}

func readAll(_ bytes: [UInt8]) -> (LogReader.Result, [[String]]) {
    var seen: [[String]] = []
    let result = LogReader.read(bytes) { (args: Arguments, _: Int) throws(LogReader.ApplyError) in
        seen.append((0..<args.count).map { args.string($0) })
    }
    return (result, seen)
}

@Suite struct CRC64Tests {
    @Test func matchesRedisCheckValue() {
        #expect(CRC64.checksum(Array("123456789".utf8)) == 0xe9c6d914c4b8d9ca)
        #expect(CRC64.checksum([]) == 0)
    }

    /// The tables against the definition: one bit at a time, from the polynomial alone.
    @Test func sliceBy8AgreesWithBitwise() {
        var rng = SystemRandomNumberGenerator()
        for length in [1, 7, 8, 9, 15, 16, 17, 63, 64, 1000] {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var bitwise: UInt64 = 0
            for byte in data {
                bitwise ^= UInt64(byte)
                for _ in 0..<8 { bitwise = bitwise & 1 != 0 ? (bitwise >> 1) ^ 0x95AC_9329_AC4B_C9B5 : bitwise >> 1 }
            }
            #expect(CRC64.checksum(data) == bitwise)
            // Continuing over a split gives the checksum of the whole.
            let cut = length / 3
            let first = data[..<cut].withUnsafeBytes { CRC64.update(0, $0) }
            #expect(data[cut...].withUnsafeBytes { CRC64.update(first, $0) } == bitwise)
        }
    }
}

@Suite struct ManifestTests {
    @Test func parsesAndRendersRedisSyntax() throws {
        let text = "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
        let manifest = try Manifest.parse(text)
        #expect(manifest.base?.name == "appendonly.aof.1.base.aof")
        #expect(manifest.increments.map(\.seq) == [1, 2])
        #expect(manifest.render() == "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n")
        #expect(try Manifest.parse("# comment\n\nfile a seq 3 type i\n").increments.count == 1)
    }

    @Test func rejectsBadManifests() {
        for text in ["file a seq x type i\n", "file a seq 1 type z\n", "file a seq 1\n", "file a seq 1 type i\nfile a seq 2 type i\n",
                     "file a seq 1 type b\nfile b seq 2 type b\n", "file ../a seq 1 type i\n"] {
            #expect(throws: Manifest.ParseError.self) { try Manifest.parse(text) }
        }
    }
}

@Suite struct LogReaderTests {
    let first = batch([["SELECT", "0"], ["SET", "a", "1"]], timestamp: 1_700_000_000)
    let second = batch([["SET", "b", "2"]])
    let third = batch([["DEL", "a"]])

    @Test func readsBatchesInOrder() {
        let (result, seen) = readAll(first + second + third)
        #expect(result.outcome == .complete)
        #expect(result.checksummed)
        #expect(seen == [["SELECT", "0"], ["SET", "a", "1"], ["SET", "b", "2"], ["DEL", "a"]])
        #expect(result.timestamps.map(\.seconds) == [1_700_000_000])
    }

    @Test func everyCutOfTheLastBatchIsATornTail() {
        let good = first + second
        for cut in 1..<third.count {
            let (result, seen) = readAll(good + Array(third.prefix(cut)))
            #expect(result.outcome == .tornTail(validLength: good.count, reason: result.outcome.reason), "cut \(cut)")
            #expect(seen.count == 3, "cut \(cut): only complete batches are applied")
        }
    }

    @Test func zerosAndGarbageAfterTheLastBatchAreATornTail() {
        let good = first + second
        for tail: [UInt8] in [[0, 0, 0, 0], Array("xyz\r\n".utf8), [UInt8](repeating: 0, count: 5000), Array("*1\r\n$4\r\nPING".utf8)] {
            let (result, _) = readAll(good + tail)
            guard case .tornTail(let valid, _) = result.outcome else { Issue.record("expected a torn tail, got \(result.outcome)"); continue }
            #expect(valid == good.count)
        }
    }

    @Test func aBadBatchFollowedByAValidOneIsCorruption() {
        var damaged = second
        damaged[damaged.count - 3] ^= 0x01
        let (result, seen) = readAll(first + damaged + third)
        guard case .corrupt(let offset, _) = result.outcome else { Issue.record("expected corruption, got \(result.outcome)"); return }
        #expect(offset == first.count)
        #expect(seen.count == 2)
        // Garbage between batches is corruption too.
        let (garbage, _) = readAll(first + Array("garbage".utf8) + third)
        guard case .corrupt = garbage.outcome else { Issue.record("expected corruption, got \(garbage.outcome)"); return }
    }

    /// Found by the log fuzzer: damaged bytes starting with '#' after a batch were read as
    /// a comment up to the next line end, silently skipping the batches inside.
    @Test func damageThatStartsWithAHashIsNotAComment() {
        var zeroed = first + second + third
        let start = first.count
        zeroed.replaceSubrange((start + 1)..<(start + second.count + 10), with: repeatElement(0, count: second.count + 9))
        let (result, seen) = readAll(zeroed)
        guard case .corrupt(let offset, _) = result.outcome else { Issue.record("expected corruption, got \(result.outcome)"); return }
        #expect(offset == start)
        #expect(seen.count == 2)
        // A #TS line that is not digits is damage too (it could swallow the header after it).
        let (badTimestamp, _) = readAll(first + Array("#TS:17x\r\n".utf8) + second + third)
        guard case .corrupt = badTimestamp.outcome else { Issue.record("expected corruption, got \(badTimestamp.outcome)"); return }
        // Before any batch, a printable '#' line is skipped, as Redis does.
        let (comment, commented) = readAll(Array("# written by hand\r\n".utf8) + resp([["SET", "k", "v"]]))
        #expect(comment.outcome == .complete && commented == [["SET", "k", "v"]])
    }

    @Test func everyPrefixOfAFileLoadsAPrefixOfItsCommands() {
        let file = first + second + third
        let all = readAll(file).1
        for cut in 0...file.count {
            let (result, seen) = readAll(Array(file.prefix(cut)))
            #expect(seen == Array(all.prefix(seen.count)), "cut \(cut)")
            switch result.outcome {
            case .complete: #expect([0, 2, 3, 4].contains(seen.count), "cut \(cut): complete means whole batches")
            case .tornTail(let valid, _): #expect(valid <= cut, "cut \(cut)")
            case .corrupt: Issue.record("cut \(cut): a cut file is a torn tail, not corruption")
            }
        }
    }

    @Test func declaredLengthsNearIntMaxStopReadingInsteadOfTrapping() {
        for damaged in ["#CAIRN:9223372036854775800:0000000000000000\r\n*1\r\n", "#CAIRN:9223372036854775807:0000000000000000\r\n",
                        "*3\r\n$3\r\nSET\r\n$9223372036854775807\r\nk\r\n", "*9223372036854775807\r\n$1\r\nx\r\n",
                        "*3\r\n$3\r\nSET\r\n$9223372036854775805\r\nk\r\n"] {
            let (result, seen) = readAll(first + Array(damaged.utf8))
            #expect(result.outcome != .complete, "\(damaged)")
            #expect(seen.count == 2)
        }
    }

    @Test func aBadChecksumAtTheEndIsATornTail() {
        var damaged = third
        damaged[damaged.count - 2] = 0
        let (result, _) = readAll(first + second + damaged)
        #expect(result.outcome == .tornTail(validLength: first.count + second.count, reason: result.outcome.reason))
    }

    @Test func redisFilesAreReadAsCommandStreams() {
        let file = Array("#TS:1700000000\r\n".utf8) + resp([["SELECT", "0"], ["SET", "k", "v"], ["INCR", "n"]])
        let (result, seen) = readAll(file)
        #expect(result.outcome == .complete)
        #expect(!result.checksummed)
        #expect(seen == [["SELECT", "0"], ["SET", "k", "v"], ["INCR", "n"]])
        let (cut, _) = readAll(Array(file.dropLast(3)))
        guard case .tornTail = cut.outcome else { Issue.record("expected a torn tail"); return }
        let (bad, _) = readAll(resp([["SET", "k", "v"]]) + Array("+OK\r\n".utf8) + resp([["SET", "x", "y"]]))
        guard case .corrupt = bad.outcome else { Issue.record("expected corruption"); return }
    }

    @Test func commandsRedisAppendedAfterCairnBatchesAreRead() {
        let redisTail = resp([["SET", "fromredis", "yes"]])
        let (result, seen) = readAll(first + redisTail + second)
        #expect(result.outcome == .complete)
        #expect(seen == [["SELECT", "0"], ["SET", "a", "1"], ["SET", "fromredis", "yes"], ["SET", "b", "2"]])
        // A torn Redis command at the end is a tail; garbage starting with '*' too.
        let (torn, _) = readAll(first + Array(redisTail.dropLast(2)))
        #expect(torn.outcome == .tornTail(validLength: first.count, reason: torn.outcome.reason))
        let (garbage, _) = readAll(first + Array("*zz\r\n".utf8))
        #expect(garbage.outcome == .tornTail(validLength: first.count, reason: garbage.outcome.reason))
    }

    @Test func anUnfinishedMultiIsRolledBack() {
        let before = resp([["SET", "a", "1"]])
        let file = before + resp([["MULTI"], ["SET", "b", "2"], ["SET", "c", "3"]])
        let (result, seen) = readAll(file)
        #expect(result.outcome == .tornTail(validLength: before.count, reason: result.outcome.reason))
        #expect(seen == [["SET", "a", "1"]])
        let (complete, applied) = readAll(file + resp([["EXEC"]]))
        #expect(complete.outcome == .complete)
        #expect(applied == [["SET", "a", "1"], ["SET", "b", "2"], ["SET", "c", "3"]])
    }
}

extension LogReader.Outcome {
    var reason: String {
        switch self {
        case .complete: return ""
        case .tornTail(_, let reason), .corrupt(_, let reason): return reason
        }
    }
}
