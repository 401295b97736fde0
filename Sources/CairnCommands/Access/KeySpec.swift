import CairnProtocol

/// Where a command's keys are among its arguments and what it does with them: Redis 7.0's
/// key specifications. ACL key patterns (`~`, `%R~`, `%W~`) are checked against the keys
/// they find; COMMAND INFO shows them to clients that route by key.
///
/// A key search starts at an index or after a keyword, then takes a range of arguments or
/// a count given by a `numkeys` argument. Every position is bounded by the arguments
/// there are: a count from the client can name more keys than exist, never reach past.
public struct KeySpec: Sendable {
    public enum Begin: Sendable {
        case index(Int)
        /// After the first `keyword`, searching from `startFrom` (negative: from the end, backwards).
        case keyword(String, startFrom: Int)
        /// Known only to the command itself (SORT's STORE, BY and GET).
        case unknown
    }

    public enum Find: Sendable {
        /// Up to `lastKey` past the start (negative: from the end); with a `limit`, the
        /// keys are the first 1/limit of what follows (XREAD's streams before their IDs).
        case range(lastKey: Int, keyStep: Int, limit: Int)
        /// The argument `index` past the start holds the count; keys begin `firstKey` past the start.
        case keyNumber(index: Int, firstKey: Int, keyStep: Int)
        case unknown
    }

    /// How a command uses a key (Redis's key-spec flags).
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let ro = Flags(rawValue: 1 << 0)
        public static let rw = Flags(rawValue: 1 << 1)
        public static let ow = Flags(rawValue: 1 << 2)
        public static let rm = Flags(rawValue: 1 << 3)
        public static let access = Flags(rawValue: 1 << 4)
        public static let update = Flags(rawValue: 1 << 5)
        public static let insert = Flags(rawValue: 1 << 6)
        public static let delete = Flags(rawValue: 1 << 7)
        public static let notKey = Flags(rawValue: 1 << 8)
        public static let incomplete = Flags(rawValue: 1 << 9)
        public static let variableFlags = Flags(rawValue: 1 << 10)

        static let named: [(String, Flags)] = [
            ("RO", .ro), ("RW", .rw), ("OW", .ow), ("RM", .rm), ("access", .access), ("update", .update),
            ("insert", .insert), ("delete", .delete), ("not_key", .notKey), ("incomplete", .incomplete),
            ("variable_flags", .variableFlags),
        ]

        var names: [String] { Self.named.filter { contains($0.1) }.map(\.0) }

        /// The ACL permissions a key used this way needs: reading its value needs `R`;
        /// inserting, deleting or updating needs `W`.
        var permissions: KeyPermissions {
            var needed: KeyPermissions = []
            if contains(.access) { needed.insert(.read) }
            if !isDisjoint(with: [.insert, .delete, .update]) { needed.insert(.write) }
            return needed
        }
    }

    public let begin: Begin
    public let find: Find
    public let flags: Flags
    public let notes: String?

    init(begin: Begin, find: Find, flags: Flags, notes: String? = nil) {
        self.begin = begin
        self.find = find
        self.flags = flags
        self.notes = notes
    }
}

/// One key found in a command's arguments.
public struct KeyReference: Equatable, Sendable {
    public let position: Int
    public let flags: KeySpec.Flags

    public static func == (a: KeyReference, b: KeyReference) -> Bool {
        a.position == b.position && a.flags.rawValue == b.flags.rawValue
    }
}

extension CommandSpec {
    /// The keys `args` names for this command, with how each is used; nil when the
    /// arguments are malformed where the keys should be (the command will refuse them
    /// itself), as Redis's `getKeysUsingKeySpecs`. O(arguments).
    func keyReferences(_ args: Arguments) -> [KeyReference]? {
        var found: [KeyReference] = []
        let argc = args.count
        for spec in keySpecs where !spec.flags.contains(.notKey) {
            var first: Int
            switch spec.begin {
            case .index(let index):
                first = index
            case .keyword(let keyword, let startFrom):
                first = 0
                let forward = startFrom > 0
                var i = forward ? startFrom : argc + startFrom
                while i >= 1 && i < argc {
                    if args.withUnsafeBytes(i, { ASCII.equalIgnoringCase($0, keyword.utf8) }) { first = i + 1; break }
                    i += forward ? 1 : -1
                }
                if first == 0 { continue }
            case .unknown:
                continue
            }
            let last: Int, step: Int
            switch spec.find {
            case .range(let lastKey, let keyStep, let limit):
                step = keyStep
                if lastKey >= 0 {
                    last = first + lastKey
                } else if limit == 0 {
                    last = argc + lastKey
                } else {
                    last = first + ((argc - first) / limit + lastKey)
                }
            case .keyNumber(let index, let firstKey, let keyStep):
                step = keyStep
                guard first + index < argc, let count = args.int64(first + index), count >= 0, count <= Int64(argc) else { return nil }
                first += firstKey
                last = first + Int(count) - 1
            case .unknown:
                continue
            }
            guard first < argc, last < argc, last >= first, step > 0 else { return nil }
            var flags = spec.flags
            if flags.contains(.variableFlags) { flags = variableKeyFlags(args) }
            for i in stride(from: first, through: last, by: step) { found.append(KeyReference(position: i, flags: flags)) }
        }
        if name == "sort", let store = Self.sortStorePosition(args) {
            found.append(KeyReference(position: store, flags: [.ow, .update]))
        }
        return found
    }

    /// SET's key is only written unless GET reads it first (Redis's `setGetKeys`).
    private func variableKeyFlags(_ args: Arguments) -> KeySpec.Flags {
        guard name == "set" else { return keySpecs.first?.flags ?? [] }
        for i in 3..<max(args.count, 3) where args.equals(i, lowercase: "get") {
            return [.rw, .access, .update]
        }
        return [.ow, .update]
    }

    /// SORT … STORE destination: the last STORE's argument, skipping LIMIT's two, BY's
    /// and GET's one (Redis's `sortGetKeys`).
    private static func sortStorePosition(_ args: Arguments) -> Int? {
        var store: Int?
        var i = 2
        while i < args.count {
            if args.equals(i, lowercase: "limit") {
                i += 2
            } else if args.equals(i, lowercase: "get") || args.equals(i, lowercase: "by") {
                i += 1
            } else if args.equals(i, lowercase: "store") && i + 1 < args.count {
                store = i + 1
            }
            i += 1
        }
        return store
    }
}

/// ASCII helpers for names compared as Redis compares them.
enum ASCII {
    /// Equal ignoring ASCII case, as Redis's `strcasecmp`. O(length), no allocation.
    static func equalIgnoringCase(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            (x >= 65 && x <= 90 ? x | 0x20 : x) == (y >= 65 && y <= 90 ? y | 0x20 : y)
        }
    }

    /// Lowercase hex digits of `bytes` (digests, generated passwords). O(n).
    static func lowercaseHex(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let hexDigits = Array("0123456789abcdef".utf8)
}
