import Foundation
import Testing
import CairnTestSupport
import NIOCore
@testable import CairnProtocol

/// The request decoder's fuzzer: random and mutated byte streams, fed whole and split at
/// random points. Decoding must never trap, and the split must not matter: the same
/// requests come out, then the same protocol error (or none). Inputs stay under the
/// inline limit, where Redis's own answer does not depend on how the bytes arrive.
///
/// `CAIRN_FUZZ_ITERATIONS` (default 30,000) and `CAIRN_FUZZ_SEED` run it longer or replay
/// one seed; see docs/reliability.md.
@Suite struct RequestDecoderFuzzTests {
    /// Valid requests and near misses that mutations start from.
    static let seeds: [String] = [
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n",
        "*1\r\n$4\r\nPING\r\n",
        "PING\r\n",
        "SET k \"a\\x41\\n\" 'b\\'c'\r\n",
        "*2\r\n$3\r\nGET\r\n$0\r\n\r\n",
        "*0\r\n",
        "*-1\r\n",
        "\r\n",
        "*9223372036854775807\r\n",
        "*2147483648\r\n",
        "*1\r\n$9223372036854775807\r\n",
        "*1\r\n$-9223372036854775808\r\n",
        "*1\r\n$536870913\r\n",
        "*1\r\n$18446744073709551616\r\n",
        "*1\r\n$01\r\nx\r\n",
        "*1\r\n$+1\r\nx\r\n",
        "*1\r\n:1\r\n",
        "\"unbalanced\r\n",
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nabc\r\n*1\r\n$4\r\nPING\r\n",
    ]

    @Test func randomAndMutatedStreamsDecodeTheSameHoweverSplit() {
        let env = ProcessInfo.processInfo.environment
        var rng = SplitMix64(state: env["CAIRN_FUZZ_SEED"].flatMap(UInt64.init) ?? 7)
        let iterations = env["CAIRN_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 30_000
        let seeds = Self.seeds.map { Array($0.utf8) }
        let alphabet = Array("*$\r\n0123456789-+ \"'\\xabc:".utf8)

        for iteration in 0..<iterations {
            var input: [UInt8]
            if Int.random(in: 0..<4, using: &rng) == 0 {
                // Pure noise from a protocol-flavoured alphabet.
                input = (0..<Int.random(in: 0..<200, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            } else {
                // A few seeds back to back, then mutated.
                input = []
                for _ in 0..<Int.random(in: 1...3, using: &rng) { input += seeds.randomElement(using: &rng)! }
                for _ in 0..<Int.random(in: 0...4, using: &rng) where !input.isEmpty {
                    let at = Int.random(in: 0..<input.count, using: &rng)
                    switch Int.random(in: 0..<5, using: &rng) {
                    case 0: input[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
                    case 1: input[at] = alphabet.randomElement(using: &rng)!
                    case 2: input.remove(at: at)
                    case 3: input.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                    default: input.removeSubrange(at...)
                    }
                }
            }
            let whole = decodeAll(input)
            var cuts = (0..<Int.random(in: 0...6, using: &rng)).map { _ in Int.random(in: 0...input.count, using: &rng) }
            cuts.sort()
            let split = decodeAll(input, splitAt: cuts)
            #expect(whole == split, "iteration \(iteration): \(input) split at \(cuts)")
            // A small proto-max-bulk-len must refuse, never wait for or allocate, a larger bulk.
            _ = decodeAll(input, splitAt: cuts, maxBulk: 4)
        }
    }

    @Test func hugeDeclaredLengthsAllocateNothing() {
        // A bulk length at the top of what proto-max-bulk-len may be set to waits for its
        // bytes; the decoder holds only what arrived.
        var decoder = RequestDecoder(maxBulkLength: Int.max)
        var args = Arguments()
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        buffer.writeString("*1\r\n$9223372036854775807\r\nabc")
        #expect((try? decoder.decode(&buffer, into: &args)) == false)
        #expect(args.byteCount == 0)
        buffer.writeString("*1\r\n$9223372036854775806\r\n")
        #expect((try? decoder.decode(&buffer, into: &args)) == false)
    }
}

