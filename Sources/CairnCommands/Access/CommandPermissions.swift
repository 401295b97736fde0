/// Which commands a user may run: Redis's per-command bitmap, kept as the set of allowed
/// command names (`get`, `client|id`), plus the reserved "future commands" bit only
/// `+@all` sets, and the first arguments allowed for commands otherwise denied
/// (`+select|0`).
///
/// Rules apply in order, as `ACL SETUSER` gives them; `description(in:)` turns the result
/// back into the shortest rules Redis would print (categories first, then single
/// commands), which `ACL LIST`, `ACL GETUSER` and `ACL SAVE` show.
struct CommandPermissions: Equatable {
    private(set) var allowed: Set<String> = []
    /// Set by `+@all` (`allcommands`): commands Cairn adds later are allowed too.
    private(set) var allowsFutureCommands = false
    /// Every command is allowed: the fast path Redis calls `ALLCOMMANDS`. Set by `+@all`,
    /// cleared by anything that denies.
    private(set) var allowsEverything = false
    /// First arguments allowed, by command name, in the order given.
    private(set) var firstArguments: [String: [String]] = [:]

    /// Whether `spec` (a subcommand for containers) may run with these arguments. O(1)
    /// (plus the first arguments allowed for it).
    func allows(_ spec: CommandSpec, firstArgument: () -> String?) -> Bool {
        if allowsEverything || spec.flags.contains(.noAuth) || allowed.contains(spec.name) { return true }
        guard let permitted = firstArguments[spec.name], let argument = firstArgument() else { return false }
        return permitted.contains { ASCII.equalIgnoringCase($0.utf8, argument.utf8) }
    }

    mutating func allowAll(in table: CommandTable) {
        allowed = Set(table.all.flatMap { [$0.name] + $0.subcommands.map(\.name) })
        allowsFutureCommands = true
        allowsEverything = true
        firstArguments = [:]
    }

    mutating func denyAll() {
        allowed = []
        allowsFutureCommands = false
        allowsEverything = false
        firstArguments = [:]
    }

    /// Allows or denies one command; a container takes its subcommands with it (Redis's
    /// `ACLChangeSelectorPerm`).
    mutating func change(_ spec: CommandSpec, allow: Bool) {
        set(spec.name, allow)
        firstArguments[spec.name] = nil
        for sub in spec.subcommands { set(sub.name, allow) }
    }

    private mutating func set(_ name: String, _ allow: Bool) {
        if allow {
            allowed.insert(name)
        } else {
            allowed.remove(name)
            allowsEverything = false
        }
    }

    /// `+@category` / `-@category`: every command in it, subcommands looked at on their own.
    mutating func change(_ category: ACLCategories, allow: Bool, in table: CommandTable) {
        for spec in table.all {
            if !spec.categories.isDisjoint(with: category) { change(spec, allow: allow) }
            for sub in spec.subcommands where !sub.categories.isDisjoint(with: category) { change(sub, allow: allow) }
        }
    }

    mutating func allowFirstArgument(_ argument: String, of spec: CommandSpec) {
        var list = firstArguments[spec.name] ?? []
        if !list.contains(where: { ASCII.equalIgnoringCase($0.utf8, argument.utf8) }) { list.append(argument) }
        firstArguments[spec.name] = list
    }

    /// Commands in `category` allowed and denied. O(commands).
    func count(_ category: ACLCategories, in table: CommandTable) -> (on: Int, off: Int) {
        var on = 0, off = 0
        for spec in table.all {
            for command in [spec] + spec.subcommands where !command.categories.isDisjoint(with: category) {
                if allowed.contains(command.name) { on += 1 } else { off += 1 }
            }
        }
        return (on, off)
    }

    /// The rules that rebuild these permissions, as Redis's `ACLDescribeSelectorCommandRules`
    /// writes them: `+@all` or `-@all`, then the categories that fit best (each with more
    /// commands in common than different), then single commands and first arguments.
    /// O(categories² × commands).
    func description(in table: CommandTable) -> String {
        var rules: [String] = []
        var fake = CommandPermissions()
        let additive = !allowsFutureCommands
        if additive {
            rules.append("-@all")
        } else {
            rules.append("+@all")
            fake.allowAll(in: table)
        }
        var remaining = self
        var applied = Set<Int>()
        while true {
            var best: Int?
            var fewestDifferent = Int.max, mostInCommon = 0
            for (j, entry) in ACLCategories.named.enumerated() where !applied.contains(j) {
                let (on, off) = remaining.count(entry.category, in: table)
                let different = additive ? off : on, inCommon = additive ? on : off
                if inCommon > different && (different < fewestDifferent || (different == fewestDifferent && inCommon > mostInCommon)) {
                    best = j
                    fewestDifferent = different
                    mostInCommon = inCommon
                }
            }
            guard let best else { break }
            let entry = ACLCategories.named[best]
            rules.append((additive ? "+@" : "-@") + entry.name)
            fake.change(entry.category, allow: additive, in: table)
            remaining.change(entry.category, allow: !additive, in: table)
            applied.insert(best)
        }
        for spec in table.all {
            for command in [spec] + spec.subcommands {
                let mine = allowed.contains(command.name)
                if mine != fake.allowed.contains(command.name) {
                    rules.append((mine ? "+" : "-") + command.name)
                    fake.change(command, allow: mine)
                }
                if !mine, let arguments = firstArguments[command.name] {
                    for argument in arguments { rules.append("+\(command.name)|\(argument)") }
                }
            }
        }
        return rules.joined(separator: " ")
    }
}
