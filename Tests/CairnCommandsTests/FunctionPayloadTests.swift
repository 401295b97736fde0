import Testing
@testable import CairnCommands

/// FUNCTION DUMP payloads: Cairn's round-trip, Redis's compressed form reads back, and
/// damaged payloads are refused without reading out of bounds.
@Suite struct FunctionPayloadTests {
    @Test func payloadsRoundTrip() throws {
        let codes = [Array("#!lua name=a\nredis.register_function('a', function() return 1 end)".utf8),
                     Array(repeating: UInt8(ascii: "x"), count: 70_000), []]
        let payload = FunctionPayload.encode(codes)
        #expect(try FunctionPayload.decode(payload).get() == codes)
    }

    @Test func redisCompressedPayloadReads() throws {
        // FUNCTION DUMP from Debian's redis-server 7.0.15 after
        // FUNCTION LOAD "#!lua name=mover\nredis.register_function('moved', function(keys, args) return 'moved ' .. args[1] end)":
        // the code is LZF-compressed (encoding 0xC3).
        let payload: [UInt8] = [0xf5, 0xc3, 0x40, 0x5d, 0x40, 0x66, 0x1f, 0x23, 0x21, 0x6c, 0x75, 0x61, 0x20, 0x6e, 0x61,
            0x6d, 0x65, 0x3d, 0x6d, 0x6f, 0x76, 0x65, 0x72, 0x0a, 0x72, 0x65, 0x64, 0x69, 0x73, 0x2e, 0x72, 0x65, 0x67,
            0x69, 0x73, 0x74, 0x65, 0x72, 0x5f, 0x09, 0x66, 0x75, 0x6e, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x28, 0x27, 0x40,
            0x1e, 0x03, 0x64, 0x27, 0x2c, 0x20, 0xe0, 0x00, 0x11, 0x12, 0x6b, 0x65, 0x79, 0x73, 0x2c, 0x20, 0x61, 0x72,
            0x67, 0x73, 0x29, 0x20, 0x72, 0x65, 0x74, 0x75, 0x72, 0x6e, 0x20, 0x80, 0x24, 0x04, 0x20, 0x27, 0x20, 0x2e,
            0x2e, 0x60, 0x18, 0x07, 0x5b, 0x31, 0x5d, 0x20, 0x65, 0x6e, 0x64, 0x29, 0x0a, 0x00, 0x05, 0x18, 0x14, 0xec,
            0xe3, 0x7f, 0x9b, 0xb2]
        let codes = try FunctionPayload.decode(payload).get()
        #expect(codes.map { String(decoding: $0, as: UTF8.self) } ==
                ["#!lua name=mover\nredis.register_function('moved', function(keys, args) return 'moved ' .. args[1] end)"])
    }

    @Test func damagedPayloadsAreRefused() {
        let good = FunctionPayload.encode([Array("#!lua name=a\nredis.register_function('a', function() end)".utf8)])
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            var bad = good
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: bad[Int.random(in: 0..<bad.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            case 1: bad.removeLast(Int.random(in: 1..<bad.count, using: &rng))
            default: bad = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            if case .success(let codes) = FunctionPayload.decode(bad) {
                #expect(codes.allSatisfy { $0.count < 1 << 20 })
            }
        }
        // A valid checksum around lengths that lie.
        for body: [UInt8] in [[245, 0x80, 0xff, 0xff, 0xff, 0xff], [245, 0xc3, 0x05, 0x40, 0x00, 1, 2, 3, 4, 5], [245, 0xc3, 0x02, 0x10, 0x20, 0xff], [7]] {
            var payload = body + [10, 0]
            let crc = payload.withUnsafeBytes { CRC64Probe.crc($0) }
            for i in 0..<8 { payload.append(UInt8(truncatingIfNeeded: crc >> (8 * UInt64(i)))) }
            #expect((try? FunctionPayload.decode(payload).get()) == nil)
        }
    }

    @Test func lzfRefusesBackReferencesBeforeTheStart() {
        #expect(LZF.decompress([0x20, 0x05], expectedLength: 3) == nil)
        #expect(LZF.decompress([0x02, 0x61, 0x62, 0x63], expectedLength: 3) == Array("abc".utf8))
        #expect(LZF.decompress([0x00, 0x61, 0xe0, 0xff, 0x00], expectedLength: 10) == nil)
        // A length no input of that size can produce is refused before any allocation.
        #expect(LZF.decompress([0x00, 0x61], expectedLength: Int.max) == nil)
        #expect(LZF.decompress([0x00, 0x61], expectedLength: 512 << 20) == nil)
    }
}

import CairnLog
enum CRC64Probe {
    static func crc(_ bytes: UnsafeRawBufferPointer) -> UInt64 { CRC64.update(0, bytes) }
}
