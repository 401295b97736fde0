public import NIOCore
public import CairnProtocol
public import CairnKeyspace

/// The seam between commands and the append-only file: what each write did, as
/// deterministic commands in RESP.
///
/// Commands describe their *effect*, not their request: relative TTLs become absolute
/// `PXAT`/`PEXPIREAT`, INCRBYFLOAT becomes `SET ... KEEPTTL`, a key found expired becomes
/// `DEL`. Replaying the effects on the state they were made from gives the same state,
/// whenever the replay happens. A `SELECT` is inserted whenever the database changes.
/// Nothing is recorded unless `isEnabled`, so the seam costs one branch when unused.
public struct Propagation {
    public var isEnabled: Bool
    /// Encoded effects not yet taken by the log.
    public private(set) var pending: ByteBuffer
    /// Database of the last effect written, -1 before any; starts a new SELECT when it changes.
    public private(set) var currentDB = -1
    /// A written buffer given back by `reuse`, the next to record into.
    private var spare: ByteBuffer?
    /// Bytes recorded since the propagation started (grows monotonically; lets a caller
    /// tell whether a command logged anything). A stored counter, so reading it after
    /// every command touches no buffer. O(1).
    public private(set) var recordedBytes = 0
    /// Effects recorded so far, SELECTs not counted. O(1).
    public private(set) var effectCount = 0

    /// Where a transaction's effects begin (see `beginTransaction`).
    public struct TransactionMark {
        let start: Int
        let effects: Int
    }
    /// Transactions open now: a script run by EXEC is inside EXEC's, and only the
    /// outermost one is wrapped.
    private var openTransactions = 0

    public init(isEnabled: Bool = false) {
        self.isEnabled = isEnabled
        pending = ByteBufferAllocator().buffer(capacity: 0)
    }

    /// One argument of an effect.
    public enum Part {
        case bytes([UInt8])
        case slice(ArraySlice<UInt8>)
        case word(StaticString)
        case integer(Int64)
        case string(ByteString)
        /// A stream ID, written as `ms-seq` without building a string.
        case streamID(StreamID)
    }

    /// Records the request exactly as received (for commands that are already deterministic).
    /// O(size of the request).
    public mutating func recordVerbatim(db: Int, _ args: Arguments) {
        guard isEnabled else { return }
        let start = pending.writerIndex
        defer { recordedBytes += pending.writerIndex - start }
        select(db)
        effectCount += 1
        pending.writeArrayHeader(args.count)
        writeArguments(args, 0..<args.count)
    }

    private mutating func writeArguments(_ args: Arguments, _ range: Range<Int>) {
        for i in range { args.withUnsafeBytes(i) { pending.writeBulk(raw: $0) } }
    }

    /// Records the request rebuilt around a new argument: `args[..<head]`, then `middle`,
    /// then `args[tail...]` (XADD with the ID it produced in place of its options and
    /// `*`). No argument is copied on the way. O(size of the request).
    public mutating func recordRebuilt(db: Int, _ args: Arguments, head: Int, middle: UnsafeRawBufferPointer, tail: Int) {
        guard isEnabled, head <= args.count, tail <= args.count else { return }
        let start = pending.writerIndex
        defer { recordedBytes += pending.writerIndex - start }
        select(db)
        effectCount += 1
        pending.writeArrayHeader(head + 1 + (args.count - tail))
        writeArguments(args, 0..<head)
        pending.writeBulk(raw: middle)
        writeArguments(args, tail..<args.count)
    }

    /// Records one command made of `parts`. O(size of the parts).
    public mutating func record(db: Int, _ parts: [Part]) {
        guard isEnabled else { return }
        let start = pending.writerIndex
        defer { recordedBytes += pending.writerIndex - start }
        select(db)
        effectCount += 1
        pending.writeArrayHeader(parts.count)
        for part in parts {
            switch part {
            case .bytes(let b): pending.writeBulk(b)
            case .slice(let s): pending.writeBulk(s)
            case .word(let w): pending.writeBulk(raw: UnsafeRawBufferPointer(start: w.utf8Start, count: w.utf8CodeUnitCount))
            case .integer(let n): pending.writeBulkDecimal(n)
            case .string(let s): s.withUnsafeBytes { pending.writeBulk(raw: $0) }
            case .streamID(let id): id.withText { pending.writeBulk(raw: $0) }
            }
        }
    }

    /// Records the effects of one command, in MULTI … EXEC when there are several and no
    /// transaction is open (Redis 7.0 wraps a command's propagated effects so). Nothing is
    /// moved afterwards: the wrapping is known before the first effect. O(size of the effects).
    public mutating func record(db: Int, effects: [[Part]]) {
        guard isEnabled, !effects.isEmpty else { return }
        guard effects.count > 1 && openTransactions == 0 else {
            for parts in effects { record(db: db, parts) }
            return
        }
        var start = pending.writerIndex
        select(db)
        pending.writeArrayHeader(1)
        pending.writeBulk("MULTI".utf8)
        recordedBytes += pending.writerIndex - start
        for parts in effects { record(db: db, parts) }
        start = pending.writerIndex
        pending.writeArrayHeader(1)
        pending.writeBulk("EXEC".utf8)
        recordedBytes += pending.writerIndex - start
    }

    /// Marks where the effects of an EXEC begin. O(1).
    public mutating func beginTransaction() -> TransactionMark {
        openTransactions += 1
        return TransactionMark(start: pending.writerIndex, effects: effectCount)
    }

    /// Wraps the effects recorded since `mark` in MULTI … EXEC when there are two or more
    /// (one needs no wrapping; Redis does the same), so a replay applies all or none.
    /// O(size of the transaction's effects).
    public mutating func endTransaction(_ mark: TransactionMark) {
        openTransactions = max(0, openTransactions - 1)
        // The body is copied out (not sliced): a slice would share the buffer, and writing
        // MULTI would then copy everything recorded this turn, not just the body.
        guard isEnabled, openTransactions == 0, effectCount - mark.effects > 1, mark.start <= pending.writerIndex,
              let body = pending.getBytes(at: mark.start, length: pending.writerIndex - mark.start) else { return }
        let before = pending.writerIndex
        pending.moveWriterIndex(to: mark.start)
        pending.writeArrayHeader(1)
        pending.writeBulk("MULTI".utf8)
        pending.writeBytes(body)
        pending.writeArrayHeader(1)
        pending.writeBulk("EXEC".utf8)
        recordedBytes += pending.writerIndex - before
    }

    /// Forgets the effects recorded since `mark` (a script stopped by SHUTDOWN: nothing
    /// of it was acknowledged). The next effect starts with its own SELECT. O(1).
    public mutating func discardTransaction(_ mark: TransactionMark) {
        openTransactions = max(0, openTransactions - 1)
        guard mark.start <= pending.writerIndex else { return }
        pending.moveWriterIndex(to: mark.start)
        effectCount = mark.effects
        currentDB = -1
    }

    /// Hands the encoded effects to the caller and starts a new buffer (the one `reuse`
    /// gave back, if any). O(1); allocates nothing when nothing was recorded (a turn of
    /// reads) or a buffer was given back.
    public mutating func take() -> ByteBuffer {
        guard pending.readableBytes > 0 else { return pending }
        let out = pending
        pending = spare ?? ByteBufferAllocator().buffer(capacity: 0)
        spare = nil
        return out
    }

    /// Takes back a buffer `take()` handed out, once its bytes are written, for a later
    /// turn to record into: the log commits every turn, and a buffer growing from nothing
    /// each time cost a few allocations per turn. Pass it with `consume` (the storage is
    /// then reused, not copied); a buffer still held elsewhere (a failed write kept for
    /// retry) gets a fresh storage from `clear()` and is never shared. Storage past 64 KiB
    /// (a turn of large writes) is let go, as Redis lets a large `aof_buf` go. O(1).
    public mutating func reuse(_ buffer: consuming ByteBuffer) {
        guard spare == nil, buffer.capacity <= Self.reusedCapacity else { return }
        buffer.clear()
        spare = buffer
    }

    static let reusedCapacity = 64 * 1024

    /// The memory this buffering holds: this turn's effects and the buffer kept for the
    /// next (the log's share of memory that eviction does not count). O(1).
    public var bufferedCapacity: Int { pending.capacity &+ (spare?.capacity ?? 0) }

    /// Forgets the database of the last effect, so the next one starts with a SELECT
    /// (used when the log starts a new file).
    public mutating func resetSelectedDatabase() { currentDB = -1 }

    private mutating func select(_ db: Int) {
        guard db != currentDB else { return }
        currentDB = db
        pending.writeArrayHeader(2)
        pending.writeBulk("SELECT".utf8)
        pending.writeBulkDecimal(Int64(db))
    }
}
