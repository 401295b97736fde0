import CairnProtocol

/// The expiry options shared by SET, GETEX, SETEX and PSETEX.
enum ExpireUnit { case seconds, milliseconds }

enum ExpireArgument {
    /// Converts an expiry argument into absolute Unix ms the way Redis's
    /// `getExpireMillisecondsOrReply` does. `relative` is true for EX/PX (added to now).
    /// Returns the error text on failure.
    static func absoluteTime(_ raw: Int64?, unit: ExpireUnit, relative: Bool, now: Int64, command: String) -> Result<Int64, ExpireError> {
        guard var ms = raw else { return .failure(ExpireError(ErrorReplies.notInteger)) }
        if ms <= 0 || (unit == .seconds && ms > Int64.max / 1000) {
            return .failure(ExpireError(ErrorReplies.invalidExpireTime(command)))
        }
        if unit == .seconds { ms *= 1000 }
        if relative { ms = ms &+ now }
        if ms <= 0 { return .failure(ExpireError(ErrorReplies.invalidExpireTime(command))) }
        return .success(ms)
    }
}

struct ExpireError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// SET and GETEX options, parsed with Redis's exact compatibility rules
/// (`parseExtendedStringArgumentsOrReply`).
struct StringOptions {
    var nx = false, xx = false, get = false, keepTTL = false, persist = false
    var expireArgument: Int? = nil
    var unit = ExpireUnit.seconds
    var relative = true
    var hasExpire: Bool { expireArgument != nil }

    enum Mode { case set, getex }

    static func parse(_ args: Arguments, from start: Int, mode: Mode) -> StringOptions? {
        var o = StringOptions()
        var j = start
        var ex = false, px = false, exat = false, pxat = false
        while j < args.count {
            let hasNext = j + 1 < args.count
            if mode == .set && args.equals(j, lowercase: "nx") && !o.xx {
                o.nx = true
            } else if mode == .set && args.equals(j, lowercase: "xx") && !o.nx {
                o.xx = true
            } else if mode == .set && args.equals(j, lowercase: "get") {
                o.get = true
            } else if mode == .set && args.equals(j, lowercase: "keepttl") && !o.persist && !ex && !exat && !px && !pxat {
                o.keepTTL = true
            } else if mode == .getex && args.equals(j, lowercase: "persist") && !ex && !exat && !px && !pxat && !o.keepTTL {
                o.persist = true
            } else if args.equals(j, lowercase: "ex") && !o.keepTTL && !o.persist && !exat && !px && !pxat && hasNext {
                ex = true; o.unit = .seconds; o.relative = true; j += 1; o.expireArgument = j
            } else if args.equals(j, lowercase: "px") && !o.keepTTL && !o.persist && !ex && !exat && !pxat && hasNext {
                px = true; o.unit = .milliseconds; o.relative = true; j += 1; o.expireArgument = j
            } else if args.equals(j, lowercase: "exat") && !o.keepTTL && !o.persist && !ex && !px && !pxat && hasNext {
                exat = true; o.unit = .seconds; o.relative = false; j += 1; o.expireArgument = j
            } else if args.equals(j, lowercase: "pxat") && !o.keepTTL && !o.persist && !ex && !exat && !px && hasNext {
                pxat = true; o.unit = .milliseconds; o.relative = false; j += 1; o.expireArgument = j
            } else {
                return nil
            }
            j += 1
        }
        return o
    }
}
