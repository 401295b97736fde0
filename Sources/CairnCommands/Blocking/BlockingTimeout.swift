import CairnProtocol

/// The timeout of a blocking command, as Redis 7.0's `getTimeoutFromObjectOrReply` reads
/// it in seconds: a `long double` (fractions allowed), 0 for ever.
enum BlockingTimeout {
    /// The deadline in Unix ms (0: none) for the timeout at argument `i`, or nil after
    /// replying Redis's error. Values whose milliseconds do not fit 64 bits are "negative",
    /// as Redis's conversion makes them; a deadline past the end of time never comes.
    /// O(length of the argument).
    static func deadline(_ c: CommandContext, argument i: Int, _ out: inout ReplyWriter) -> Int64? {
        let timeout: Int64
        if let whole = c.args.int64(i), whole >= 0, case (let ms, false) = whole.multipliedReportingOverflow(by: 1000) {
            // Whole seconds, the common case, without the long-double parse (same result).
            timeout = ms
        } else {
            guard let seconds = LongDouble.parse(Array(c.args[i])) else {
                out.writeError("ERR timeout is not a float or out of range"); return nil
            }
            let ms = seconds * 1000
            // Within Int64 exactly (Float80 holds 2^63 and every Int64): beyond it C's
            // conversion, as Redis does it, gives a negative number.
            let limit: Float80 = 9_223_372_036_854_775_808
            guard ms.isFinite, ms > -limit, ms < limit else { out.writeError("ERR timeout is negative"); return nil }
            timeout = Int64(ms)
        }
        guard timeout >= 0 else { out.writeError("ERR timeout is negative"); return nil }
        guard timeout > 0 else { return 0 }
        let (deadline, overflow) = timeout.addingReportingOverflow(c.now)
        return overflow ? 0 : deadline
    }
}

/// What a pop over several keys does when all of them are empty: answer a null array
/// (LMPOP, ZMPOP), or — the blocking forms — park the client until a deadline.
enum WhenEmpty {
    case answerNil
    case block(deadline: Int64)

    /// `.block` with the timeout at argument `i` for a blocking form, `.answerNil` otherwise;
    /// nil after replying the timeout's error. O(length of the argument).
    static func parse(_ c: CommandContext, blocking: Bool, timeoutAt i: Int, _ out: inout ReplyWriter) -> WhenEmpty? {
        guard blocking else { return .answerNil }
        return BlockingTimeout.deadline(c, argument: i, &out).map { .block(deadline: $0) }
    }

    /// Acts on it for the keys at argument positions `keys`. O(keys).
    func apply(_ c: CommandContext, keys: Range<Int>, _ out: inout ReplyWriter) {
        switch self {
        case .answerNil: out.writeNullArray()
        case .block(let deadline): c.engine.block(c, on: keys.map(c.key), deadline: deadline, timeoutReply: .nullArray, &out)
        }
    }
}
