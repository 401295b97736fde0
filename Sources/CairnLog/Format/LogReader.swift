public import CairnProtocol

/// Reads one log file's bytes into commands, and says where valid data ends and why.
///
/// Files with Cairn's batch headers are read batch by batch, each verified before any
/// of its commands is applied; files without them (written by Redis) are read as a
/// plain command stream. A MULTI ... EXEC block is applied whole or not at all.
/// See docs/aof-format.md for the rules this implements.
///
/// The bytes are usually the file mapped into memory (`FileSystem.withContents`), so a
/// file larger than memory is paged in and dropped by the kernel as the reader moves on.
/// Every length a file declares (a batch's, a command's argument count, an argument's)
/// is compared with what is left of the file before any arithmetic or allocation: a
/// damaged number can make the reader stop, never trap or allocate past the file's size.
public struct LogReader {
    /// How a file ended.
    public enum Outcome: Equatable, Sendable {
        /// Every byte was valid.
        case complete
        /// Valid up to `validLength`; what follows is a torn or garbage tail.
        case tornTail(validLength: Int, reason: String)
        /// Damage at `offset` with valid data after it, or a malformed command.
        case corrupt(offset: Int, reason: String)
    }

    public struct Result: Sendable {
        public var outcome: Outcome
        /// Commands applied.
        public var commands = 0
        /// Whether the file had Cairn's batch headers.
        public var checksummed = false
        /// `#TS:` annotations seen: (offset of the line, seconds).
        public var timestamps: [(offset: Int, seconds: Int64)] = []
    }

    /// A command that the caller could not apply (unknown command, error reply).
    public struct ApplyError: Error, Sendable {
        public let message: String
        public init(_ message: String) { self.message = message }
    }

    let bytes: UnsafeRawBufferPointer

    /// A reader over `bytes`, which must stay valid while `read` runs.
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Reads an array's bytes (tests, small files). O(size).
    public static func read(_ bytes: [UInt8], _ apply: (Arguments, Int) throws(ApplyError) -> Void) -> Result {
        bytes.withUnsafeBytes { LogReader($0).read(apply) }
    }

    /// Reads the whole file, calling `apply` for each command in order (with the offset of
    /// the batch or command it came from). Stops at the first problem. O(size).
    public func read(_ apply: (Arguments, Int) throws(ApplyError) -> Void) -> Result {
        var result = Result(outcome: .complete)
        var pos = 0
        var lastGood = 0
        var pending: [(Arguments, Int)] = []   // commands of an open MULTI
        var multiStart: Int? = nil

        /// Ends reading at `at`: a torn tail, unless valid data follows (searched from
        /// `searchFrom`, past the damaged batch's own payload), which makes it corruption.
        func stop(_ at: Int, _ reason: String, provenTail: Bool = false, searchFrom: Int? = nil) -> Outcome {
            let from = searchFrom ?? at
            if !provenTail, let valid = firstValidBatch(after: from) {
                return .corrupt(offset: at, reason: "\(reason); a valid batch follows at offset \(valid)")
            }
            if !provenTail, let command = firstCompleteCommand(after: from) {
                return .corrupt(offset: at, reason: "\(reason); a complete command follows at offset \(command)")
            }
            return .tornTail(validLength: multiStart ?? lastGood, reason: reason)
        }

        func deliver(_ args: Arguments, _ offset: Int) throws(ApplyError) {
            if args.count == 1 && args.equals(0, lowercase: "multi") {
                multiStart = multiStart ?? offset
                return
            }
            if multiStart != nil {
                if args.count == 1 && args.equals(0, lowercase: "exec") {
                    for (command, at) in pending { try apply(command, at); result.commands += 1 }
                    pending.removeAll()
                    multiStart = nil
                } else {
                    pending.append((args, offset))
                }
                return
            }
            try apply(args, offset)
            result.commands += 1
        }

        while pos < bytes.count {
            if bytes[pos] == UInt8(ascii: "#") {
                guard let end = lineEnd(from: pos) else {
                    result.outcome = stop(pos, "incomplete annotation line at offset \(pos)")
                    return result
                }
                if hasPrefix(BatchEncoding.timestampPrefix, at: pos) {
                    // Only digits: a damaged line here could otherwise swallow the batch after it.
                    guard let seconds = Int64(String(decoding: bytes[(pos + 4)..<end], as: UTF8.self)), seconds >= 0 else {
                        result.outcome = stop(pos, "malformed #TS annotation at offset \(pos)")
                        return result
                    }
                    result.timestamps.append((pos, seconds))
                    pos = end + 2
                    continue
                }
                if hasPrefix(BatchEncoding.headerPrefix, at: pos) {
                    result.checksummed = true
                    switch batch(at: pos, headerEnd: end) {
                    case .invalid(let reason, let complete, let end):
                        result.outcome = stop(pos, reason + " at offset \(pos)", provenTail: !complete, searchFrom: end)
                        return result
                    case .valid(let payload, let next):
                        var offset = payload.lowerBound
                        while offset < payload.upperBound {
                            guard case .command(let args, let after) = parseCommand(at: offset, limit: payload.upperBound) else {
                                result.outcome = .corrupt(offset: offset, reason: "malformed command inside a checksummed batch at offset \(offset)")
                                return result
                            }
                            do { try deliver(args, pos) } catch {
                                result.outcome = .corrupt(offset: pos, reason: error.message)
                                return result
                            }
                            offset = after
                        }
                        pos = next
                        if multiStart == nil { lastGood = pos }
                        continue
                    }
                }
                // Another annotation: Redis skips any line starting with '#', and so does a
                // file of Redis's. But neither writes anything but #TS lines, so once a file
                // has batches, or when the line is not printable text, it is damage — taking
                // it for a comment would skip whatever batches it covers without a word.
                guard !result.checksummed, isPrintable(pos..<end) else {
                    result.outcome = stop(pos, "unexpected annotation line at offset \(pos)")
                    return result
                }
                pos = end + 2
                continue
            }
            guard bytes[pos] == UInt8(ascii: "*") else {
                // Neither an annotation nor a command: a torn write unless a batch follows.
                result.outcome = stop(pos, "bytes outside any batch at offset \(pos)")
                return result
            }
            // A command outside any batch: written by Redis (a file it wrote, or commands it
            // appended after Cairn's batches), read by Redis's rules.
            switch parseCommand(at: pos, limit: bytes.count) {
            case .incomplete:
                result.outcome = .tornTail(validLength: multiStart ?? lastGood, reason: "command cut off at offset \(pos)")
                return result
            case .malformed(let reason):
                // In a file of Cairn's, unparseable bytes after the last batch are a torn write.
                result.outcome = result.checksummed
                    ? stop(pos, "\(reason) at offset \(pos)")
                    : .corrupt(offset: pos, reason: "\(reason) at offset \(pos)")
                return result
            case .command(let args, let after):
                do { try deliver(args, pos) } catch {
                    result.outcome = .corrupt(offset: pos, reason: error.message)
                    return result
                }
                pos = after
                if multiStart == nil { lastGood = pos }
            }
        }
        if let start = multiStart {
            result.outcome = .tornTail(validLength: start, reason: "MULTI at offset \(start) without EXEC")
        }
        return result
    }

    // MARK: Batches

    enum Batch {
        case valid(payload: Range<Int>, next: Int)
        /// `complete` is false when the batch runs past the end of the file (a torn write);
        /// `end` is where its declared payload ends, when the header could be read.
        case invalid(reason: String, complete: Bool, end: Int?)
    }

    func batch(at pos: Int, headerEnd: Int) -> Batch {
        let fields = bytes[(pos + BatchEncoding.headerPrefix.count)..<headerEnd].split(separator: UInt8(ascii: ":"))
        guard fields.count == 2, let length = Int(String(decoding: fields[0], as: UTF8.self)), length >= 0,
              fields[1].count == 16, let crc = UInt64(String(decoding: fields[1], as: UTF8.self), radix: 16) else {
            return .invalid(reason: "malformed batch header", complete: true, end: nil)
        }
        let start = headerEnd + 2
        // Bounded by what is left of the file, before adding: the length may be near Int.max.
        guard length <= bytes.count - start else {
            return .invalid(reason: "batch of \(length) bytes cut off", complete: false, end: nil)
        }
        let actual = CRC64.checksum(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]))
        guard actual == crc else {
            return .invalid(reason: "batch checksum mismatch", complete: true, end: start + length - 1)
        }
        return .valid(payload: start..<(start + length), next: start + length)
    }

    /// The offset of the first complete, verified batch starting after `offset`, if any.
    func firstValidBatch(after offset: Int) -> Int? {
        var p = offset + 1
        let prefix = BatchEncoding.headerPrefix
        while p + prefix.count <= bytes.count {
            if bytes[p] == prefix[0], hasPrefix(prefix, at: p), let end = lineEnd(from: p),
               case .valid = batch(at: p, headerEnd: end) {
                return p
            }
            p += 1
        }
        return nil
    }

    /// The offset of the first complete RESP command starting a line after `offset`, if any.
    func firstCompleteCommand(after offset: Int) -> Int? {
        var p = offset + 1
        while p < bytes.count {
            if bytes[p] == UInt8(ascii: "*") && bytes[p - 1] == 10, case .command = parseCommand(at: p, limit: bytes.count) {
                return p
            }
            p += 1
        }
        return nil
    }

    // MARK: Commands

    enum Parsed {
        case command(Arguments, after: Int)
        case incomplete
        case malformed(String)
    }

    /// One RESP command (`*n` then `$len` bulks) starting at `pos`, within `limit`.
    func parseCommand(at pos: Int, limit: Int) -> Parsed {
        guard bytes[pos] == UInt8(ascii: "*") else { return .malformed("expected '*'") }
        guard let countEnd = lineEnd(from: pos, limit: limit) else { return .incomplete }
        guard let count = Int(String(decoding: bytes[(pos + 1)..<countEnd], as: UTF8.self)), count >= 1 else {
            return .malformed("invalid command length")
        }
        var args = Arguments()
        var p = countEnd + 2
        for _ in 0..<count {
            guard p < limit else { return .incomplete }
            guard bytes[p] == UInt8(ascii: "$") else { return .malformed("expected '$'") }
            guard let lengthEnd = lineEnd(from: p, limit: limit) else { return .incomplete }
            guard let length = Int(String(decoding: bytes[(p + 1)..<lengthEnd], as: UTF8.self)), length >= 0 else {
                return .malformed("invalid argument length")
            }
            let start = lengthEnd + 2
            // Bounded by what is left before `limit`, before adding.
            guard limit - start >= 2, length <= limit - start - 2 else { return .incomplete }
            guard bytes[start + length] == 13, bytes[start + length + 1] == 10 else {
                return .malformed("argument not followed by CRLF")
            }
            args.append(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]))
            p = start + length + 2
        }
        return .command(args, after: p)
    }

    // MARK: Lines

    /// Whether `range` holds only printable ASCII (and tabs).
    func isPrintable(_ range: Range<Int>) -> Bool {
        for i in range where !(bytes[i] >= 32 && bytes[i] < 127) && bytes[i] != 9 { return false }
        return true
    }

    func hasPrefix(_ prefix: [UInt8], at pos: Int) -> Bool {
        guard pos + prefix.count <= bytes.count else { return false }
        for i in 0..<prefix.count where bytes[pos + i] != prefix[i] { return false }
        return true
    }

    /// Offset of the "\r\n" ending the line at `pos` (within 1 KiB and `limit`), or nil.
    func lineEnd(from pos: Int, limit: Int? = nil) -> Int? {
        let end = min(limit ?? bytes.count, pos + BatchEncoding.maxAnnotationLength)
        var p = pos
        while p + 1 < end {
            if bytes[p] == 13 && bytes[p + 1] == 10 { return p }
            p += 1
        }
        return nil
    }
}
