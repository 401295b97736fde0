/// A request that breaks RESP. The server replies `-ERR Protocol error: <message>` and
/// closes the connection, exactly as Redis does.
public struct ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { "Protocol error: \(message)" }

    public static let invalidMultibulkLength = ProtocolError("invalid multibulk length")
    public static let invalidBulkLength = ProtocolError("invalid bulk length")
    public static let tooBigInlineRequest = ProtocolError("too big inline request")
    public static let tooBigMultibulkCount = ProtocolError("too big mbulk count string")
    public static let tooBigBulkCount = ProtocolError("too big bulk count string")
    public static let unbalancedQuotes = ProtocolError("unbalanced quotes in request")
    public static func expectedDollar(got byte: UInt8) -> ProtocolError {
        ProtocolError("expected '$', got '\(Character(Unicode.Scalar(byte)))'")
    }
}
