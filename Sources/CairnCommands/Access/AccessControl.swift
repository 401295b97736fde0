import CairnProtocol

/// Every ACL user, the ACL log, and the checks a command passes before it runs (Redis's
/// `ACLCheckAllPerm`): the command (or subcommand, or first argument), each key it names
/// against the user's key patterns with the permission its key specification needs, and
/// each channel it publishes or subscribes to.
///
/// Owned by the engine; holds no I/O. The ACL file is read and written by the server
/// through `ServerHooks`.
public struct AccessControl {
    /// Users by name (case-sensitive, as in Redis). `default` always exists.
    private(set) var users: [String: ACLUser]
    public let defaultUser: ACLUser
    var log = ACLLog()
    /// `acl-pubsub-default allchannels`: new users (and `reset`) may use every channel.
    var allChannelsByDefault = false

    /// What was refused, and where in the arguments.
    enum Denial: Equatable {
        case command
        case key(position: Int)
        case channel(position: Int)
    }

    init(table: CommandTable, requirepass: String) {
        defaultUser = ACLUser(name: "default", rules: .everything(in: table))
        users = ["default": defaultUser]
        setDefaultPassword(requirepass)
    }

    /// `requirepass`: the default user's only password ("" → `nopass`), as Redis applies it.
    func setDefaultPassword(_ password: String) {
        var rules = defaultUser.rules
        rules.passwords = []
        rules.noPassword = password.isEmpty
        if !password.isEmpty { rules.passwords = [ACLRules.digest(Array(password.utf8))] }
        defaultUser.rules = rules
    }

    /// Whether a connection must AUTH before running commands: the default user needs a
    /// password or is off (Redis's `authRequired`).
    var defaultUserRequiresAuthentication: Bool {
        !(defaultUser.rules.noPassword && defaultUser.rules.enabled)
    }

    public func user(named name: String) -> ACLUser? { users[name] }

    /// User names in byte order (Redis keeps them in a radix tree).
    var sortedNames: [String] { users.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }

    /// Creates a user or changes one; rules apply to a copy kept only if all were valid.
    /// Returns the rule that failed and why.
    mutating func setUser(_ name: String, rules: [[UInt8]], table: CommandTable) -> (rule: [UInt8], error: ACLRules.RuleError)? {
        var updated = users[name]?.rules ?? ACLRules(allChannels: allChannelsByDefault)
        for rule in rules {
            do { try updated.apply(rule, table: table, allChannelsByDefault: allChannelsByDefault) } catch { return (rule, error) }
        }
        if let existing = users[name] {
            existing.rules = updated
        } else {
            users[name] = ACLUser(name: name, rules: updated)
        }
        return nil
    }

    /// Removes a user (never `default`); returns it if it existed.
    mutating func deleteUser(_ name: String) -> ACLUser? {
        guard name != "default" else { return nil }
        return users.removeValue(forKey: name)
    }

    /// Replaces every user at once (ACL LOAD, start-up). A set without `default` gets a
    /// fresh one, as in Redis. Returns the users that are gone or replaced.
    mutating func replaceAll(with new: [String: ACLRules], table: CommandTable) -> [ACLUser] {
        var replaced: [ACLUser] = []
        var next: [String: ACLUser] = [:]
        for (name, rules) in new where name != "default" { next[name] = ACLUser(name: name, rules: rules) }
        for (name, user) in users where name != "default" { replaced.append(user) }
        if let rules = new["default"] {
            defaultUser.rules = rules
        } else {
            defaultUser.rules = .everything(in: table)
        }
        next["default"] = defaultUser
        users = next
        return replaced
    }

    // MARK: Checking a command

    /// Whether `user` may run `spec` with `args`; nil when it may. O(keys × patterns)
    /// for a restricted user, O(1) for one allowed everything.
    static func check(_ user: ACLUser, _ spec: CommandSpec, _ args: Arguments) -> Denial? {
        if user.isUnrestricted { return nil }
        let rules = user.rules
        guard rules.commands.allows(spec, firstArgument: { args.count > 1 ? args.string(1) : nil }) else { return .command }
        if !rules.allKeys, !spec.keySpecs.isEmpty {
            for key in spec.keyReferences(args) ?? [] {
                let needed = key.flags.permissions
                if !args.withUnsafeBytes(key.position, { rules.allowsKey($0, needed) }) { return .key(position: key.position) }
            }
        }
        if !rules.allChannels, let channels = channelPositions(spec, args) {
            for position in channels.positions {
                if !args.withUnsafeBytes(position, { rules.allowsChannel($0, isPattern: channels.arePatterns) }) {
                    return .channel(position: position)
                }
            }
        }
        return nil
    }

    /// The channels a command publishes or subscribes to (unsubscribing is always allowed).
    private static func channelPositions(_ spec: CommandSpec, _ args: Arguments) -> (positions: Range<Int>, arePatterns: Bool)? {
        switch spec.name {
        case "publish", "spublish": return args.count > 1 ? (1..<2, false) : nil
        case "subscribe", "ssubscribe": return (1..<args.count, false)
        case "psubscribe": return (1..<args.count, true)
        default: return nil
        }
    }

    /// NOPERM texts, Redis 7.0's.
    static func refusal(_ denial: Denial, _ spec: CommandSpec) -> String {
        switch denial {
        case .command: return "NOPERM this user has no permissions to run the '\(spec.name)' command"
        case .key: return "NOPERM this user has no permissions to access one of the keys used as arguments"
        case .channel: return "NOPERM this user has no permissions to access one of the channels used as arguments"
        }
    }
}

/// Denied commands and failed AUTHs, newest first (ACL LOG). A repeat of one of the ten
/// newest denials within a minute adds to that entry's count, as in Redis.
struct ACLLog {
    enum Reason: String { case command, key, channel, auth }
    enum Context: String { case toplevel, multi, lua }

    struct Entry {
        var count: Int
        let reason: Reason
        let context: Context
        let object: String
        let username: String
        var createdAt: Int64
        var clientInfo: String
    }

    private(set) var entries: [Entry] = []

    mutating func add(_ entry: Entry, maxLength: Int) {
        // Only the 10 newest entries are looked at for a repeat, as Redis does.
        for i in entries.indices.prefix(10) {
            let e = entries[i]
            if e.reason == entry.reason, e.context == entry.context, e.object == entry.object,
               e.username == entry.username, entry.createdAt - e.createdAt <= 60_000 {
                // Counted, refreshed and moved to the front, as Redis does.
                var updated = entries.remove(at: i)
                updated.count += 1
                updated.createdAt = entry.createdAt
                updated.clientInfo = entry.clientInfo
                entries.insert(updated, at: 0)
                return
            }
        }
        entries.insert(entry, at: 0)
        if entries.count > maxLength { entries.removeLast(entries.count - maxLength) }
    }

    mutating func reset() { entries = [] }
}

extension AccessControl {
    /// Reads ACL file text (Redis's `ACLLoadFromFile`): one `user <name> <rules…>` per
    /// line, blank lines skipped, nothing else allowed. Every error is collected, in
    /// Redis's words, and any error means no user is taken. O(size × rules).
    static func parseFile(_ text: String, path: String, table: CommandTable,
                          allChannelsByDefault: Bool) -> Result<[String: ACLRules], ACLFileError> {
        var users: [String: ACLRules] = [:]
        var errors = ""
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = Array(rawLine.utf8).trimmingASCIIWhitespace()
            if line.isEmpty { continue }
            let words: [[UInt8]]
            do { words = try InlineSplitter.split(line) } catch {
                errors += "\(path):\(number): unbalanced quotes in acl line. "
                continue
            }
            if words.isEmpty { continue }
            guard words.count >= 2, words[0] == Array("user".utf8) else {
                errors += "\(path):\(number) should start with user keyword followed by the username. "
                continue
            }
            let name = String(decoding: words[1], as: UTF8.self)
            guard users[name] == nil else {
                errors += "WARNING: Duplicate user '\(name)' found on line \(number). "
                continue
            }
            var rules = ACLRules(allChannels: allChannelsByDefault)
            var failed = false
            for rule in words.dropFirst(2) {
                do { try rules.apply(rule, table: table, allChannelsByDefault: allChannelsByDefault) } catch {
                    errors += "\(path):\(number): \(error.text). "
                    failed = true
                    break
                }
            }
            if !failed { users[name] = rules }
        }
        guard errors.isEmpty else {
            return .failure(ACLFileError(errors + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"))
        }
        return .success(users)
    }
}

extension Array where Element == UInt8 {
    /// Without leading and trailing spaces, tabs, CRs and LFs.
    func trimmingASCIIWhitespace() -> [UInt8] {
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return [] }
        return Array(self[first...last])
    }
}
