import Testing
import CairnTestSupport
import CairnProtocol
import CairnConfig
@testable import CairnCommands

/// ACL rules, their description, key specifications and the checks, without sockets.
/// (tests/test_acl.py compares the same with Redis over the network.)
@Suite struct AccessControlTests {
    let table = CommandTable.standard

    func rules(_ words: [String]) throws -> ACLRules {
        var rules = ACLRules()
        for word in words { try rules.apply(Array(word.utf8), table: table) }
        return rules
    }

    /// Whatever rules built a user, the rules ACL LIST prints for it rebuild exactly the
    /// same permissions (Redis aborts the process when this fails; Cairn must not need to).
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func describedRulesRebuildTheSamePermissions(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        let names = table.all.flatMap { [$0.name] + $0.subcommands.map(\.name) }
        let categories = ACLCategories.named.map(\.name)
        for _ in 0..<150 {
            var words: [String] = []
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: words.append(Bool.random(using: &rng) ? "+@all" : "-@all")
                case 1...3: words.append((Bool.random(using: &rng) ? "+@" : "-@") + categories.randomElement(using: &rng)!)
                case 4: words.append("+" + ["get", "select", "ping", "set"].randomElement(using: &rng)! + "|" + ["0", "x", "Y"].randomElement(using: &rng)!)
                default: words.append((Bool.random(using: &rng) ? "+" : "-") + names.randomElement(using: &rng)!)
                }
            }
            let built = try rules(words)
            let description = built.commands.description(in: table)
            let rebuilt = try rules(description.split(separator: " ").map(String.init))
            #expect(rebuilt.commands.allowed == built.commands.allowed, "\(words) → \(description)")
            #expect(rebuilt.commands.allowsFutureCommands == built.commands.allowsFutureCommands)
            // First arguments of a command allowed whole change nothing, and are not printed (as in Redis).
            let effective = built.commands.firstArguments.filter { !built.commands.allowed.contains($0.key) }
            #expect(rebuilt.commands.firstArguments == effective, "\(words) → \(description)")
        }
    }

    @Test func ruleErrorsAreRedis() {
        let cases: [(String, ACLRules.RuleError)] = [
            ("bogus", .syntax), ("+nosuch", .unknownCommand), ("+@nosuch", .unknownCommand), ("-get|x", .unknownCommand),
            ("#abc", .badHash), ("#" + String(repeating: "A", count: 64), .badHash), ("<nothere", .noSuchPassword),
            ("+client|nosuch", .unknownCommand), ("+client|id|x", .firstArgumentOfSubcommand), ("+client|", .syntax),
            ("+get|", .syntax), ("%~k", .syntax), ("%X~k", .syntax), ("(~x +get)", .selectorsUnsupported), ("+", .unknownCommand),
        ]
        for (rule, error) in cases {
            var rules = ACLRules()
            #expect(throws: error, "\(rule)") { try rules.apply(Array(rule.utf8), table: table) }
        }
        var all = ACLRules()
        #expect(throws: ACLRules.RuleError.keyAfterAllKeys) {
            try all.apply(Array("allkeys".utf8), table: table)
            try all.apply(Array("~x".utf8), table: table)
        }
    }

    @Test func keyPatternsMergeAndDescribeAsRedis() throws {
        let r = try rules(["%R~a", "%W~a", "~b", "%R~b", "%W~c", "%RW"])
        #expect(r.keysDescription == "~a ~b %W~c ~")
        #expect(try rules(["%RW~*"]).allKeys)
        #expect(try rules(["on", ">a", ">a", ">b", "<a"]).passwords == [ACLRules.digest(Array("b".utf8))])
    }

    func keys(_ command: [String]) -> [Int]? {
        let args = Arguments(strings: command)
        guard let spec = table.lookup(args) else { return nil }
        return spec.keyReferences(args)?.map(\.position)
    }

    /// Counts from the client never reach past the arguments there are.
    @Test func keySpecificationsStayInsideTheArguments() {
        #expect(keys(["GET", "k"]) == [1])
        #expect(keys(["MSET", "a", "1", "b", "2"]) == [1, 3])
        #expect(keys(["ZUNIONSTORE", "d", "2", "a", "b"]) == [1, 3, 4])
        #expect(keys(["ZUNIONSTORE", "d", "9223372036854775807", "a"]) == nil)
        #expect(keys(["ZUNIONSTORE", "d", "-1", "a"]) == nil)
        #expect(keys(["ZUNIONSTORE", "d", "x", "a"]) == nil)
        #expect(keys(["EVAL", "s", "0"]) == nil)
        #expect(keys(["EVAL", "s", "3", "a"]) == nil)
        #expect(keys(["EVAL", "s", "2", "a", "b", "c"]) == [3, 4])
        #expect(keys(["XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"]) == [4, 5])
        #expect(keys(["XREAD", "COUNT", "1", "streams", "a", "0"]) == [4])
        #expect(keys(["XREAD", "COUNT", "1"]) == [])
        #expect(keys(["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]) == [5])
        #expect(keys(["BLPOP", "a", "b", "0"]) == [1, 2])
        #expect(keys(["SORT", "k", "LIMIT", "0", "1", "GET", "store", "STORE", "d"]) == [1, 8])
        #expect(keys(["SORT", "k", "STORE"]) == [1])
        let set = table.lookup(name: "set")!
        #expect(set.keyReferences(Arguments(strings: ["SET", "k", "v", "get"]))?.first?.flags.permissions == [.read, .write])
        #expect(set.keyReferences(Arguments(strings: ["SET", "k", "v"]))?.first?.flags.permissions == [.write])
    }

    @Test func restrictedUserIsRefusedAsRedis() {
        let h = Harness()
        h.client.user = h.engine.access.defaultUser
        #expect(h.run("ACL", "SETUSER", "u", "on", ">pw", "~k*", "%R~r*", "%W~w*", "&ch*", "+@all", "-flushall") == .ok)
        #expect(h.run("AUTH", "u", "nope") == .error(Authentication.wrongPassword))
        #expect(h.run("AUTH", "u", "pw") == .ok)
        #expect(h.run("ACL", "WHOAMI") == .str("u"))
        #expect(h.run("GET", "zz") == .error("NOPERM this user has no permissions to access one of the keys used as arguments"))
        #expect(h.run("SET", "w1", "x") == .ok)
        #expect(h.run("GET", "w1") == .error("NOPERM this user has no permissions to access one of the keys used as arguments"))
        #expect(h.run("GET", "r1") == .null)
        #expect(h.run("SET", "r1", "x") == .error("NOPERM this user has no permissions to access one of the keys used as arguments"))
        #expect(h.run("FLUSHALL") == .error("NOPERM this user has no permissions to run the 'flushall' command"))
        #expect(h.run("PUBLISH", "zz", "m") == .error("NOPERM this user has no permissions to access one of the channels used as arguments"))
        #expect(h.run("PUBLISH", "ch1", "m") == .integer(0))
        #expect(h.run("MULTI") == .ok)
        #expect(h.run("GET", "zz") == .error("NOPERM this user has no permissions to access one of the keys used as arguments"))
        #expect(h.run("EXEC") == .error("EXECABORT Transaction discarded because of previous errors."))
        // Changed rules apply to the connection at once.
        #expect(h.run("ACL", "SETUSER", "u", "allkeys") == .ok)
        #expect(h.run("GET", "zz") == .null)
        guard case .array(let log)? = Optional(h.run("ACL", "LOG")), let entries = log else { Issue.record("no log"); return }
        // AUTH, keys zz/w1/r1, FLUSHALL, channel zz, and zz again inside MULTI (its own entry).
        #expect(entries.count == 7)
        if case .array(let newest)? = Optional(entries[0]), let fields = newest {
            #expect(fields[1] == .integer(1))
            #expect(fields[3] == .str("key"))
            #expect(fields[5] == .str("multi"))
        }
    }

    @Test func aclFileErrorsAreCollectedAsRedisWritesThem() {
        let text = "user alice on >pw ~k* +get\n\n# comment\nuser bob bogus\nuser alice off\n  \n"
        switch AccessControl.parseFile(text, path: "/x/users.acl", table: table, allChannelsByDefault: false) {
        case .success: Issue.record("accepted a bad file")
        case .failure(let error):
            #expect(error.description == "/x/users.acl:3 should start with user keyword followed by the username. /x/users.acl:4: Syntax error. WARNING: Duplicate user 'alice' found on line 5. WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
        }
        let good = AccessControl.parseFile("user carol on +@all ~*\n", path: "p", table: table, allChannelsByDefault: false)
        #expect((try? good.get())?["carol"]?.allKeys == true)
    }
}
