import CairnProtocol

/// The timeout of a blocking command, as Redis 7.0's `getTimeoutFromObjectOrReply` reads
/// it in seconds: a `long double` (fractions allowed), 0 for ever.
enum BlockingTimeout {
    /// The deadline in Unix ms (0: none) for the timeout at argument `i`, or nil after
    /// replying Redis's error. Values whose milliseconds do not fit 64 bits are "negative",
    /// as Redis's conversion makes them; a deadline past the end of time never comes.
    /// O(length of the argument).
    static func deadline(_ c: CommandContext, argument i: Int, _ out: inout ReplyWriter) -> Int64? {
        guard let seconds = LongDouble.parse(Array(c.args[i])) else {
            out.writeError("ERR timeout is not a float or out of range"); return nil
        }
        let ms = seconds * 1000
        // Within Int64 exactly (Float80 holds 2^63 and every Int64): beyond it C's
        // conversion, as Redis does it, gives a negative number.
        let limit: Float80 = 9_223_372_036_854_775_808
        guard ms.isFinite, ms > -limit, ms < limit else { out.writeError("ERR timeout is negative"); return nil }
        let timeout = Int64(ms)
        guard timeout >= 0 else { out.writeError("ERR timeout is negative"); return nil }
        guard timeout > 0 else { return 0 }
        let (deadline, overflow) = timeout.addingReportingOverflow(c.now)
        return overflow ? 0 : deadline
    }
}
