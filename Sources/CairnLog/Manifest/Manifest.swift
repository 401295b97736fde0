/// The list of files that make up the log, in Redis 7's manifest syntax
/// (`file <name> seq <n> type b|h|i`). See docs/aof-format.md.
public struct Manifest: Sendable, Equatable {
    public enum FileType: String, Sendable {
        case base = "b", history = "h", incr = "i"
    }

    public struct Entry: Sendable, Equatable {
        public var name: String
        public var seq: Int
        public var type: FileType
        public init(name: String, seq: Int, type: FileType) {
            self.name = name
            self.seq = seq
            self.type = type
        }
    }

    public var entries: [Entry]

    /// Largest sequence number accepted: leaves room for any number of rewrites.
    public static let maxSequence = 1 << 53
    /// Longest file name accepted (Linux's NAME_MAX).
    public static let maxNameLength = 255
    /// Largest manifest read. Cairn's hold a few short lines; anything bigger is damage.
    public static let maxSize = 1 << 20

    public init(entries: [Entry]) { self.entries = entries }

    /// The base file, if any.
    public var base: Entry? { entries.first { $0.type == .base } }
    /// Increment files in replay order.
    public var increments: [Entry] { entries.filter { $0.type == .incr }.sorted { $0.seq < $1.seq } }
    /// Files to load, in order: the base, then the increments.
    public var loadOrder: [Entry] { (base.map { [$0] } ?? []) + increments }

    /// The manifest's text: base, history, then increments by sequence.
    public func render() -> String {
        let ordered = entries.filter { $0.type == .base } + entries.filter { $0.type == .history }
            + increments
        return ordered.map { "file \($0.name) seq \($0.seq) type \($0.type.rawValue)\n" }.joined()
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Parses a manifest; rejects unknown types, missing fields, duplicate names or more
    /// than one base. O(size).
    public static func parse(_ text: String) throws(ParseError) -> Manifest {
        var entries: [Entry] = []
        var names = Set<String>()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard words.count % 2 == 0 else { throw ParseError(line: index + 1, message: "odd number of fields") }
            var fields: [String: String] = [:]
            for i in stride(from: 0, to: words.count, by: 2) { fields[words[i]] = words[i + 1] }
            guard let name = fields["file"], let seqText = fields["seq"], let seq = Int(seqText), seq > 0,
                  let typeText = fields["type"], let type = FileType(rawValue: typeText) else {
                throw ParseError(line: index + 1, message: "expected 'file <name> seq <n> type b|h|i'")
            }
            // A rewrite numbers the next file seq + 1: a sequence near Int.max could not.
            guard seq <= maxSequence else {
                throw ParseError(line: index + 1, message: "sequence number \(seq) out of range (at most \(maxSequence))")
            }
            // Names stay inside the directory the manifest is in.
            guard !name.contains("/"), name != ".", name != "..", !name.utf8.contains(0),
                  name.utf8.count <= maxNameLength else {
                throw ParseError(line: index + 1, message: "file name is not a plain name in the directory: \(name.prefix(80))")
            }
            guard names.insert(name).inserted else { throw ParseError(line: index + 1, message: "file \(name) listed twice") }
            if type == .base && entries.contains(where: { $0.type == .base }) {
                throw ParseError(line: index + 1, message: "more than one base file")
            }
            entries.append(Entry(name: name, seq: seq, type: type))
        }
        return Manifest(entries: entries)
    }
}
