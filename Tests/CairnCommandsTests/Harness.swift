import NIOCore
import CairnProtocol
import CairnKeyspace
import CairnConfig
@testable import CairnCommands

/// A RESP2 reply, parsed back from the bytes a command wrote.
enum Reply: Equatable, CustomStringConvertible {
    case simple(String)
    case error(String)
    case integer(Int64)
    case bulk(String?)
    case array([Reply]?)
    /// RESP3 forms.
    case null3
    case map([(Reply, Reply)])
    case set([Reply])
    case verbatim(String)
    /// RESP3 scalars kept as their text: double (`,`), boolean (`#`), big number (`(`).
    case scalar3(Character, String)

    static let ok = Reply.simple("OK")
    static let null = Reply.bulk(nil)
    static func str(_ s: String) -> Reply { .bulk(s) }
    static func strings(_ items: [String]) -> Reply { .array(items.map { .bulk($0) }) }

    var description: String {
        switch self {
        case .simple(let s): return "+\(s)"
        case .error(let s): return "-\(s)"
        case .integer(let n): return ":\(n)"
        case .bulk(let s): return s.map { "\"\($0)\"" } ?? "(nil)"
        case .array(let items): return items.map { "[\($0.map(\.description).joined(separator: ", "))]" } ?? "(nil array)"
        case .null3: return "_"
        case .map(let pairs): return "{" + pairs.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        case .set(let items): return "~{" + items.map(\.description).joined(separator: ", ") + "}"
        case .verbatim(let s): return "=\(s)"
        case .scalar3(let kind, let s): return "\(kind)\(s)"
        }
    }

    /// Elements of an array reply as strings (for order-insensitive checks).
    var stringElements: [String] {
        guard case .array(let items?) = self else { return [] }
        return items.compactMap { if case .bulk(let s?) = $0 { return s } else { return nil } }
    }

    static func parse(_ buffer: inout ByteBuffer) -> Reply? {
        guard let line = readLine(&buffer), let kind = line.first else { return nil }
        let rest = String(line.dropFirst())
        switch kind {
        case "+": return .simple(rest)
        case "-": return .error(rest)
        case ":": return Int64(rest).map(Reply.integer)
        case "$":
            guard let n = Int(rest) else { return nil }
            if n < 0 { return .bulk(nil) }
            guard let s = buffer.readString(length: n) else { return nil }
            buffer.moveReaderIndex(forwardBy: 2)
            return .bulk(s)
        case "*", ">":  // an array; a RESP3 push frame (pub/sub)
            guard let n = Int(rest) else { return nil }
            if n < 0 { return .array(nil) }
            var items: [Reply] = []
            for _ in 0..<n {
                guard let item = parse(&buffer) else { return nil }
                items.append(item)
            }
            return .array(items)
        case "_": return .null3
        case "%", "~":
            guard let n = Int(rest) else { return nil }
            var items: [Reply] = []
            for _ in 0..<(kind == "%" ? 2 * n : n) {
                guard let item = parse(&buffer) else { return nil }
                items.append(item)
            }
            if kind == "~" { return .set(items) }
            return .map(stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) })
        case ",", "#", "(":
            return .scalar3(kind, rest)
        case "=":
            guard let n = Int(rest), let s = buffer.readString(length: n) else { return nil }
            buffer.moveReaderIndex(forwardBy: 2)
            return .verbatim(String(s.dropFirst(4)))
        default: return nil
        }
    }

    static func == (lhs: Reply, rhs: Reply) -> Bool { lhs.description == rhs.description }

    private static func readLine(_ buffer: inout ByteBuffer) -> String? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: 13) else { return nil }
        let line = buffer.readString(length: cr - view.startIndex)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }
}

/// An engine with a clock the test controls, and one connected client.
final class Harness {
    var now: Int64 = 1_700_000_000_000
    let engine: Engine
    let client: ClientSession

    init(settings: Settings = Settings(), recording: Bool = false) {
        var clockNow: () -> Int64 = { 0 }
        engine = Engine(settings: settings, clock: { clockNow() })
        client = engine.connect(address: "127.0.0.1:5000", localAddress: "127.0.0.1:7379")
        clockNow = { [unowned self] in self.now }
        engine.timeSource = .manual(clockNow)
        engine.propagation.isEnabled = recording
        engine.scriptKillAfterMilliseconds = 200
    }

    @discardableResult
    func run(_ parts: String...) -> Reply {
        run(parts)
    }

    @discardableResult
    func run(_ parts: [String]) -> Reply {
        var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 0))
        engine.execute(Arguments(strings: parts), client: client, into: &out)
        guard let reply = Reply.parse(&out.buffer) else { return .error("<no reply>") }
        precondition(out.buffer.readableBytes == 0, "more than one reply")
        return reply
    }

    /// The effects logged since the last call, decoded into commands.
    func effects() -> [[String]] {
        var buffer = engine.propagation.take()
        var decoder = RequestDecoder()
        var args = Arguments()
        var out: [[String]] = []
        while (try? decoder.decode(&buffer, into: &args)) == true {
            out.append((0..<args.count).map { args.string($0) })
        }
        return out
    }
}
