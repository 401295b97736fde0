import Crypto
import CairnKeyspace

/// What a key pattern lets a user do with matching keys (`%R~`, `%W~`, `~` for both).
public struct KeyPermissions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let read = KeyPermissions(rawValue: 1)
    public static let write = KeyPermissions(rawValue: 2)
    public static let all: KeyPermissions = [.read, .write]
}

/// One user's rules, as `ACL SETUSER` builds them (Redis's user and its root selector).
/// A value: SETUSER applies its rules to a copy and keeps it only if all of them were valid.
struct ACLRules: Equatable {
    struct KeyPattern: Equatable {
        var pattern: [UInt8]
        var permissions: KeyPermissions

        /// `~p`, `%R~p` or `%W~p`.
        var description: String {
            let text = String(decoding: pattern, as: UTF8.self)
            switch permissions {
            case .all: return "~" + text
            case .read: return "%R~" + text
            case .write: return "%W~" + text
            default: return "%~" + text
            }
        }
    }

    /// How RESTORE treats payloads for this user (Redis's `sanitize-payload` flags); shown only when set.
    enum PayloadSanitizing: Equatable { case unset, sanitize, skip }

    var enabled = false
    var noPassword = false
    var sanitizing = PayloadSanitizing.unset
    /// SHA-256 digests of the passwords, lowercase hex, in the order added.
    var passwords: [String] = []
    var commands = CommandPermissions()
    var allKeys = false
    var keyPatterns: [KeyPattern] = []
    var allChannels = false
    var channelPatterns: [[UInt8]] = []

    /// Why a rule was refused, in Redis's words (`ERR Error in ACL SETUSER modifier '…': <text>`).
    enum RuleError: Error, Equatable {
        case syntax, unknownCommand, keyAfterAllKeys, channelAfterAllChannels, noSuchPassword, badHash
        case firstArgumentOfSubcommand, selectorsUnsupported

        var text: String {
            switch self {
            case .syntax: return "Syntax error"
            case .unknownCommand: return "Unknown command or category name in ACL"
            case .keyAfterAllKeys:
                return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
            case .channelAfterAllChannels:
                return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
            case .noSuchPassword: return "The password you are trying to remove from the user does not exist"
            case .badHash: return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
            case .firstArgumentOfSubcommand: return "Allowing first-arg of a subcommand is not supported"
            case .selectorsUnsupported: return "Selectors are not supported by Cairn"
            }
        }
    }

    /// `on nopass ~* &* +@all`: Redis's default user as it starts.
    static func everything(in table: CommandTable) -> ACLRules {
        var rules = ACLRules(enabled: true, noPassword: true, allKeys: true, allChannels: true)
        rules.commands.allowAll(in: table)
        return rules
    }

    /// The lowercase hex SHA-256 of `password`. O(length).
    static func digest(_ password: some Collection<UInt8>) -> String {
        ASCII.lowercaseHex(SHA256.hash(data: Array(password)))
    }

    /// Applies one rule (Redis's `ACLSetUser`). O(the rule's reach: a category touches
    /// every command).
    /// `allChannelsByDefault`: `acl-pubsub-default allchannels`, which `reset` follows.
    mutating func apply(_ rule: [UInt8], table: CommandTable, allChannelsByDefault: Bool = false) throws(RuleError) {
        let text = String(decoding: rule, as: UTF8.self)
        let lower = text.lowercased()
        switch lower {
        case "": return
        case "on": enabled = true
        case "off": enabled = false
        case "skip-sanitize-payload": sanitizing = .skip
        case "sanitize-payload": sanitizing = .sanitize
        case "nopass": noPassword = true; passwords = []
        case "resetpass": noPassword = false; passwords = []
        case "allkeys", "~*": allKeys = true; keyPatterns = []
        case "resetkeys": allKeys = false; keyPatterns = []
        case "allchannels", "&*": allChannels = true; channelPatterns = []
        case "resetchannels": allChannels = false; channelPatterns = []
        case "allcommands", "+@all": commands.allowAll(in: table)
        case "nocommands", "-@all": commands.denyAll()
        case "clearselectors": return
        case "reset":
            self = ACLRules()
            sanitizing = .sanitize
            allChannels = allChannelsByDefault
        default:
            try applyPattern(rule, text: text, table: table)
        }
    }

    private mutating func applyPattern(_ rule: [UInt8], text: String, table: CommandTable) throws(RuleError) {
        switch rule[0] {
        case UInt8(ascii: ">"):
            addPassword(Self.digest(rule.dropFirst()))
        case UInt8(ascii: "#"):
            let hash = String(decoding: rule.dropFirst(), as: UTF8.self)
            guard Self.isDigest(hash) else { throw .badHash }
            addPassword(hash)
        case UInt8(ascii: "<"):
            try removePassword(Self.digest(rule.dropFirst()))
        case UInt8(ascii: "!"):
            let hash = String(decoding: rule.dropFirst(), as: UTF8.self)
            guard Self.isDigest(hash) else { throw .badHash }
            try removePassword(hash)
        case UInt8(ascii: "~"), UInt8(ascii: "%"):
            guard !allKeys else { throw .keyAfterAllKeys }
            var permissions: KeyPermissions = .all
            var offset = 1
            if rule[0] == UInt8(ascii: "%") {
                permissions = []
                while offset < rule.count {
                    let c = rule[offset] & ~0x20
                    if c == UInt8(ascii: "R") && !permissions.contains(.read) {
                        permissions.insert(.read)
                    } else if c == UInt8(ascii: "W") && !permissions.contains(.write) {
                        permissions.insert(.write)
                    } else if rule[offset] == UInt8(ascii: "~") {
                        offset += 1
                        break
                    } else {
                        throw .syntax
                    }
                    offset += 1
                }
                guard !permissions.isEmpty else { throw .syntax }
            }
            let pattern = Array(rule[offset...])
            if pattern == [UInt8(ascii: "*")] && permissions == .all {
                allKeys = true
                keyPatterns = []
            } else if let existing = keyPatterns.firstIndex(where: { $0.pattern == pattern }) {
                keyPatterns[existing].permissions.formUnion(permissions)
            } else {
                keyPatterns.append(KeyPattern(pattern: pattern, permissions: permissions))
            }
        case UInt8(ascii: "&"):
            guard !allChannels else { throw .channelAfterAllChannels }
            let pattern = Array(rule.dropFirst())
            if !channelPatterns.contains(pattern) { channelPatterns.append(pattern) }
        case UInt8(ascii: "+") where rule.count > 1 && rule[1] == UInt8(ascii: "@"),
             UInt8(ascii: "-") where rule.count > 1 && rule[1] == UInt8(ascii: "@"):
            guard let category = ACLCategories(name: String(text.dropFirst(2))) else { throw .unknownCommand }
            commands.change(category, allow: rule[0] == UInt8(ascii: "+"), in: table)
        case UInt8(ascii: "+"):
            try allowCommand(String(text.dropFirst()), table: table)
        case UInt8(ascii: "-"):
            guard let spec = CommandCommand.find(String(text.dropFirst()), in: table) else { throw .unknownCommand }
            commands.change(spec, allow: false)
        case UInt8(ascii: "("):
            throw .selectorsUnsupported
        default:
            throw .syntax
        }
    }

    /// `+cmd`, `+container|sub`, or `+cmd|firstarg` for a command without subcommands.
    private mutating func allowCommand(_ name: String, table: CommandTable) throws(RuleError) {
        guard let bar = name.lastIndex(of: "|") else {
            guard let spec = CommandCommand.find(name, in: table) else { throw .unknownCommand }
            commands.change(spec, allow: true)
            return
        }
        // As Redis: what precedes the last `|` must be a command, and not a subcommand.
        guard let spec = CommandCommand.find(String(name[..<bar]), in: table) else { throw .unknownCommand }
        guard !spec.name.contains("|") else { throw .firstArgumentOfSubcommand }
        let rest = String(name[name.index(after: bar)...])
        guard !rest.isEmpty else { throw .syntax }
        if spec.subcommands.isEmpty {
            commands.allowFirstArgument(rest, of: spec)
            return
        }
        guard let sub = CommandCommand.find(name, in: table) else { throw .unknownCommand }
        commands.change(sub, allow: true)
    }

    private mutating func addPassword(_ digest: String) {
        if !passwords.contains(digest) { passwords.append(digest) }
        noPassword = false
    }

    private mutating func removePassword(_ digest: String) throws(RuleError) {
        guard let index = passwords.firstIndex(of: digest) else { throw .noSuchPassword }
        passwords.remove(at: index)
        noPassword = false
    }

    static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// Whether `password` opens this user (disabled users open to nothing). Every stored
    /// digest is compared in full, in constant time. O(passwords).
    func accepts(password: UnsafeRawBufferPointer) -> Bool {
        guard enabled else { return false }
        if noPassword { return true }
        let offered = Array(Self.digest(password).utf8)
        var matched = false
        for stored in passwords where Authentication.constantTimeEqual(Array(stored.utf8), offered) { matched = true }
        return matched
    }

    /// Whether a key may be used as `needed`. O(patterns × key length).
    func allowsKey(_ key: some Collection<UInt8>, _ needed: KeyPermissions) -> Bool {
        if allKeys { return true }
        return keyPatterns.contains { $0.permissions.isSuperset(of: needed) && GlobPattern.matches($0.pattern, key) }
    }

    /// Whether a channel (or, literally, a pattern to PSUBSCRIBE) is allowed.
    func allowsChannel(_ channel: some Collection<UInt8>, isPattern: Bool) -> Bool {
        if allChannels { return true }
        return channelPatterns.contains { isPattern ? $0.elementsEqual(channel) : GlobPattern.matches($0, channel) }
    }

    /// Nothing to check per command: every command, key and channel.
    var isUnrestricted: Bool { commands.allowsEverything && allKeys && allChannels }

    // MARK: Describing

    var flagNames: [String] {
        var names = [enabled ? "on" : "off"]
        if noPassword { names.append("nopass") }
        switch sanitizing {
        case .skip: names.append("skip-sanitize-payload")
        case .sanitize: names.append("sanitize-payload")
        case .unset: break
        }
        return names
    }

    var keysDescription: String {
        allKeys ? "~*" : keyPatterns.map(\.description).joined(separator: " ")
    }

    var channelsDescription: String {
        allChannels ? "&*" : channelPatterns.map { "&" + String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }

    /// `on #… ~k* resetchannels &c* -@all +get`: ACL LIST's and the ACL file's form.
    func description(in table: CommandTable) -> String {
        var parts = flagNames + passwords.map { "#" + $0 }
        if allKeys { parts.append("~*") } else { parts += keyPatterns.map(\.description) }
        if allChannels { parts.append("&*") } else { parts.append("resetchannels"); parts += channelPatterns.map { "&" + String(decoding: $0, as: UTF8.self) } }
        parts.append(commands.description(in: table))
        return parts.joined(separator: " ")
    }
}

/// A user: a name and its rules. A class, so that connections authenticated as it see
/// ACL SETUSER's changes at once, as in Redis.
public final class ACLUser {
    public let name: String
    var rules: ACLRules {
        didSet { isUnrestricted = rules.isUnrestricted }
    }
    /// Cached `rules.isUnrestricted`: the check every command makes.
    private(set) var isUnrestricted: Bool

    init(name: String, rules: ACLRules) {
        self.name = name
        self.rules = rules
        self.isUnrestricted = rules.isUnrestricted
    }
}
