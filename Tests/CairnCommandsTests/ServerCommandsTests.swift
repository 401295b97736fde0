import Testing
import CairnConfig
@testable import CairnCommands

@Suite struct ServerCommandsTests {
    @Test func unknownCommandsAndSubcommands() {
        let h = Harness()
        #expect(h.run("FOO", "a", "b") == .error("ERR unknown command 'FOO', with args beginning with: 'a' 'b' "))
        #expect(h.run("FOO") == .error("ERR unknown command 'FOO', with args beginning with: "))
        #expect(h.run("CONFIG", "FOO") == .error("ERR unknown subcommand 'FOO'. Try CONFIG HELP."))
        #expect(h.run("CONFIG") == .error("ERR wrong number of arguments for 'config' command"))
        #expect(h.run("CONFIG", "GET") == .error("ERR wrong number of arguments for 'config|get' command"))
    }

    @Test func pingEchoSelectDbsizeFlush() {
        let h = Harness()
        #expect(h.run("PING") == .simple("PONG"))
        #expect(h.run("PING", "hi") == .str("hi"))
        #expect(h.run("PING", "a", "b") == .error("ERR wrong number of arguments for 'ping' command"))
        #expect(h.run("ECHO", "x") == .str("x"))
        h.run("SET", "a", "1")
        #expect(h.run("SELECT", "1") == .ok)
        #expect(h.run("DBSIZE") == .integer(0))
        h.run("SET", "b", "1")
        #expect(h.run("SELECT", "16") == .error("ERR DB index is out of range"))
        #expect(h.run("SELECT", "-1") == .error("ERR DB index is out of range"))
        #expect(h.run("SELECT", "x") == .error("ERR value is not an integer or out of range"))
        #expect(h.run("FLUSHDB", "NOW") == .error("ERR syntax error"))
        #expect(h.run("FLUSHDB") == .ok)
        #expect(h.run("DBSIZE") == .integer(0))
        h.run("SELECT", "0")
        #expect(h.run("DBSIZE") == .integer(1))
        h.run("SELECT", "2")
        h.run("SET", "c", "1")
        #expect(h.run("FLUSHALL", "ASYNC") == .ok)
        h.run("SELECT", "0")
        #expect(h.run("DBSIZE") == .integer(0))
    }

    @Test func quitClosesAfterItsReply() {
        let h = Harness()
        #expect(h.run("QUIT") == .ok)
        guard case .closing = h.client.state else { Issue.record("QUIT must leave the client closing"); return }
    }

    /// CLIENT REPLY: "<no reply>" is what the harness reads when a command wrote nothing.
    @Test func clientReplyOffSkipAndOn() {
        let h = Harness()
        #expect(h.run("CLIENT", "REPLY", "OFF") == .error("<no reply>"))
        #expect(h.run("SET", "k", "v") == .error("<no reply>"))
        #expect(h.run("NOSUCH") == .error("<no reply>"))
        #expect(h.run("CLIENT", "REPLY", "SKIP") == .error("<no reply>"))  // ignored while OFF
        #expect(h.run("CLIENT", "REPLY", "ON") == .ok)
        #expect(h.run("GET", "k") == .str("v"))  // the write while OFF happened
        #expect(h.run("CLIENT", "REPLY", "SKIP") == .error("<no reply>"))
        #expect(h.run("PING") == .error("<no reply>"))
        #expect(h.run("PING") == .simple("PONG"))
        #expect(h.run("CLIENT", "REPLY", "MAYBE") == .error("ERR syntax error"))
    }

    @Test func configGetSetAreAtomicAndUseRedisTexts() {
        let h = Harness()
        #expect(h.run("CONFIG", "GET", "maxclients") == .strings(["maxclients", "10000"]))
        #expect(h.run("CONFIG", "GET", "*bulk*") == .strings(["proto-max-bulk-len", "536870912"]))
        #expect(h.run("CONFIG", "GET", "PORT") == .strings(["port", "7379"]))
        #expect(h.run("CONFIG", "GET", "nothing") == .array([]))
        #expect(h.run("CONFIG", "SET", "maxclients", "50", "hz", "20") == .ok)
        #expect(h.engine.settings.maxclients == 50)
        #expect(h.engine.settings.hz == 20)
        #expect(h.run("CONFIG", "SET", "maxclients", "60", "hz", "x")
                == .error("ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"))
        #expect(h.engine.settings.maxclients == 50)
        #expect(h.run("CONFIG", "SET", "port", "1")
                == .error("ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"))
        #expect(h.run("CONFIG", "SET", "foo", "1") == .error("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"))
        #expect(h.run("CONFIG", "SET", "hz", "1", "hz", "2")
                == .error("ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter"))
        #expect(h.run("CONFIG", "SET", "hz", "1", "maxclients") == .error("ERR syntax error"))
        #expect(h.run("CONFIG", "SET", "loglevel", "loud")
                == .error("ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning"))
    }

    @Test func protoMaxBulkLenLimitsStringGrowth() {
        let h = Harness()
        #expect(h.run("CONFIG", "SET", "proto-max-bulk-len", "1mb") == .ok)
        h.run("SETRANGE", "s", String(1024 * 1024 - 1), "x")
        #expect(h.run("APPEND", "s", "y") == .error("ERR string exceeds maximum allowed size (proto-max-bulk-len)"))
    }

    @Test func infoHasRedisSectionsAndFields() {
        let h = Harness()
        h.run("SET", "a", "1", "EX", "100")
        h.run("SET", "b", "1")
        h.run("GET", "a")
        h.run("GET", "zz")
        guard case .bulk(let text?) = h.run("INFO") else { Issue.record("INFO is not a bulk"); return }
        for header in ["# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Keyspace"] {
            #expect(text.contains(header + "\r\n"))
        }
        #expect(text.contains("redis_version:7.0.0\r\n"))
        #expect(text.contains("connected_clients:1\r\n"))
        #expect(text.contains("keyspace_hits:1\r\n"))
        #expect(text.contains("keyspace_misses:1\r\n"))
        #expect(text.contains("db0:keys=2,expires=1,avg_ttl="))
        guard case .bulk(let only?) = h.run("INFO", "keyspace") else { Issue.record("no bulk"); return }
        #expect(only.hasPrefix("# Keyspace\r\n"))
        #expect(!only.contains("# Server"))
        #expect(h.run("INFO", "nosuchsection") == .str(""))
        #expect(h.run("CONFIG", "RESETSTAT") == .ok)
        guard case .bulk(let reset?) = h.run("INFO", "stats") else { Issue.record("no bulk"); return }
        #expect(reset.contains("keyspace_hits:0\r\n"))
    }

    @Test func clientCommands() {
        let h = Harness()
        #expect(h.run("CLIENT", "ID") == .integer(h.client.id))
        #expect(h.run("CLIENT", "GETNAME") == .null)
        #expect(h.run("CLIENT", "SETNAME", "worker-1") == .ok)
        #expect(h.run("CLIENT", "GETNAME") == .str("worker-1"))
        #expect(h.run("CLIENT", "SETNAME", "bad name") == .error("ERR Client names cannot contain spaces, newlines or special characters."))
        guard case .bulk(let list?) = h.run("CLIENT", "LIST") else { Issue.record("no bulk"); return }
        #expect(list.hasPrefix("id=\(h.client.id) addr=127.0.0.1:5000 laddr=127.0.0.1:7379 "))
        #expect(list.contains(" name=worker-1 "))
        #expect(list.contains(" cmd=client|list "))
        #expect(list.hasSuffix("\n"))
        #expect(h.run("CLIENT", "LIST", "TYPE", "pubsub") == .str(""))
        #expect(h.run("CLIENT", "LIST", "TYPE", "x") == .error("ERR Unknown client type 'x'"))
    }

    @Test func helloSwitchesBetweenRESP2AndRESP3() {
        let h = Harness()
        guard case .array(let items?) = h.run("HELLO", "2", "SETNAME", "app") else { Issue.record("no array"); return }
        #expect(items.count == 14)
        #expect(items[0] == .str("server"))
        #expect(items[5] == .integer(2))
        #expect(h.run("CLIENT", "GETNAME") == .str("app"))
        #expect(h.run("GET", "missing") == .null)
        guard case .map(let pairs) = h.run("HELLO", "3") else { Issue.record("no map"); return }
        #expect(pairs.count == 7)
        #expect(pairs[2].0 == .str("proto") && pairs[2].1 == .integer(3))
        #expect(h.run("GET", "missing") == .null3)
        #expect(h.run("MGET", "a", "b") == .array([.null3, .null3]))
        guard case .map(let config) = h.run("CONFIG", "GET", "maxclients") else { Issue.record("no map"); return }
        #expect(config.count == 1)
        guard case .verbatim(let info) = h.run("INFO", "server") else { Issue.record("no verbatim"); return }
        #expect(info.hasPrefix("# Server\r\n"))
        #expect(h.run("HELLO", "4") == .error("NOPROTO unsupported protocol version"))
        #expect(h.run("HELLO", "x") == .error("ERR Protocol version is not an integer or out of range"))
        #expect(h.run("HELLO", "3", "FOO") == .error("ERR Syntax error in HELLO option 'FOO'"))
        #expect(h.run("HELLO", "2", "AUTH", "admin", "pw") == .error("WRONGPASS invalid username-password pair or user is disabled."))
        guard case .array = h.run("HELLO", "2") else { Issue.record("back to RESP2"); return }
        #expect(h.run("GET", "missing") == .null)
    }

    @Test func commandDescribesTheTable() {
        let h = Harness()
        guard case .integer(let count) = h.run("COMMAND", "COUNT") else { Issue.record("no count"); return }
        #expect(count == Int64(h.engine.table.all.count))
        guard case .array(let all?) = h.run("COMMAND") else { Issue.record("no array"); return }
        #expect(all.count == Int(count))
        guard case .array(let info?) = h.run("COMMAND", "INFO", "get", "nosuch") else { Issue.record("no info"); return }
        guard case .array(let get?) = info[0] else { Issue.record("no get"); return }
        #expect(get[0] == .str("get"))
        #expect(get[1] == .integer(2))
        #expect(get[2] == .array([.simple("readonly"), .simple("fast")]))
        #expect(h.run("CONFIG", "GET", "hz") == .strings(["hz", "10"]))
        #expect(Array(get[3...5]) == [.integer(1), .integer(1), .integer(1)])
        #expect(info[1] == .array(nil))
        guard case .array(let docs?) = h.run("COMMAND", "DOCS", "set") else { Issue.record("no docs"); return }
        #expect(docs[0] == .str("set"))
        #expect(h.run("COMMAND", "LIST").stringElements.contains("config|get"))
    }
}

@Suite struct PropagationTests {
    @Test func effectsAreDeterministicCommands() {
        let h = Harness(recording: true)
        h.run("SET", "a", "1")
        h.run("SET", "b", "2", "EX", "10")
        h.run("SET", "b", "3", "KEEPTTL", "XX")
        h.run("SET", "c", "3", "NX")
        h.run("SET", "c", "4", "NX")
        h.run("SETEX", "d", "5", "v")
        h.run("INCRBYFLOAT", "f", "1.5")
        h.run("INCR", "n")
        h.run("EXPIRE", "a", "100")
        h.run("GET", "a")
        h.run("DEL", "a", "nothing")
        h.run("DEL", "nothing")
        h.run("EXPIRE", "b", "-1")
        #expect(h.effects() == [
            ["SELECT", "0"],
            ["SET", "a", "1"],
            ["SET", "b", "2", "PXAT", String(h.now + 10_000)],
            ["SET", "b", "3", "KEEPTTL"],
            ["SET", "c", "3"],
            ["SET", "d", "v", "PXAT", String(h.now + 5000)],
            ["SET", "f", "1.5", "KEEPTTL"],
            ["INCR", "n"],
            ["PEXPIREAT", "a", String(h.now + 100_000)],
            ["DEL", "a"],
            ["DEL", "b"],
        ])
    }

    @Test func expiredKeysAreLoggedAsDelBeforeWhatFollows() {
        let h = Harness(recording: true)
        h.run("SET", "k", "v", "PX", "10")
        _ = h.effects()
        h.now += 20
        h.run("GET", "k")
        h.run("SET", "k", "new", "NX")
        #expect(h.effects() == [["DEL", "k"], ["SET", "k", "new"]])
    }

    @Test func selectIsInsertedWhenTheDatabaseChanges() {
        let h = Harness(recording: true)
        h.run("SET", "a", "1")
        h.run("SELECT", "2")
        h.run("SET", "b", "1")
        h.run("SET", "c", "1")
        h.run("SELECT", "0")
        h.run("DEL", "a")
        #expect(h.effects() == [["SELECT", "0"], ["SET", "a", "1"], ["SELECT", "2"], ["SET", "b", "1"], ["SET", "c", "1"], ["SELECT", "0"], ["DEL", "a"]])
    }

    @Test func readsAndNoOpsLogNothing() {
        let h = Harness(recording: true)
        h.run("GET", "x")
        h.run("EXISTS", "x")
        h.run("DEL", "x")
        h.run("EXPIRE", "x", "10")
        h.run("PERSIST", "x")
        h.run("SETNX", "x", "1")
        h.run("SETNX", "x", "2")
        h.run("MSETNX", "x", "3")
        #expect(h.effects() == [["SELECT", "0"], ["SET", "x", "1"]])
    }

    @Test func disabledPropagationRecordsNothing() {
        let h = Harness(recording: false)
        h.run("SET", "a", "1")
        h.run("SET", "k", "v", "PX", "1")
        h.now += 5
        h.run("GET", "k")
        #expect(h.effects().isEmpty)
    }
}
