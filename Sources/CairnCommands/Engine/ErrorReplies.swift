/// Redis's error texts, which clients match on. Kept in one place so every command
/// says exactly the same thing for the same fault.
enum ErrorReplies {
    static let wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"
    static let notInteger = "ERR value is not an integer or out of range"
    /// An integer that parsed but does not fit Redis's `int` (getIntFromObjectOrReply).
    static let outOfInt32Range = "ERR value is out of range, value must between -2147483648 and 2147483647"
    static let notFloat = "ERR value is not a valid float"
    static let syntax = "ERR syntax error"
    static let noSuchKey = "ERR no such key"
    static let overflow = "ERR increment or decrement would overflow"
    static let dbIndexOutOfRange = "ERR DB index is out of range"
    static let stringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    static let offsetOutOfRange = "ERR offset is out of range"
    static let invalidCursor = "ERR invalid cursor"
    static let sameObject = "ERR source and destination objects are the same"

    static func wrongArity(_ name: String) -> String {
        "ERR wrong number of arguments for '\(name)' command"
    }

    static func invalidExpireTime(_ name: String) -> String {
        "ERR invalid expire time in '\(name)' command"
    }

    static func unknownSubcommand(_ sub: String, of container: String) -> String {
        "ERR unknown subcommand '\(sub.prefix(128))'. Try \(container.uppercased()) HELP."
    }
}
