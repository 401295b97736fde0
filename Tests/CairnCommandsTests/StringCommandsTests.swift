import Testing
@testable import CairnCommands

@Suite struct StringCommandsTests {
    @Test func setAndGet() {
        let h = Harness()
        #expect(h.run("SET", "k", "v") == .ok)
        #expect(h.run("GET", "k") == .str("v"))
        #expect(h.run("GET", "missing") == .null)
        #expect(h.run("set", "k", "") == .ok)
        #expect(h.run("get", "k") == .str(""))
    }

    @Test func setOptionsFollowRedis() {
        let h = Harness()
        #expect(h.run("SET", "k", "1", "NX") == .ok)
        #expect(h.run("SET", "k", "2", "NX") == .null)
        #expect(h.run("SET", "k", "3", "XX") == .ok)
        #expect(h.run("SET", "other", "3", "XX") == .null)
        #expect(h.run("SET", "k", "4", "GET") == .str("3"))
        #expect(h.run("SET", "new", "4", "GET") == .null)
        #expect(h.run("SET", "k", "5", "NX", "GET") == .str("4"))
        #expect(h.run("GET", "k") == .str("4"))
        #expect(h.run("SET", "k", "v", "NX", "XX") == .error("ERR syntax error"))
        #expect(h.run("SET", "k", "v", "EX", "10", "PX", "10") == .error("ERR syntax error"))
        #expect(h.run("SET", "k", "v", "EX") == .error("ERR syntax error"))
        #expect(h.run("SET", "k", "v", "KEEPTTL", "EX", "1") == .error("ERR syntax error"))
        #expect(h.run("SET", "k", "v", "BOGUS") == .error("ERR syntax error"))
        #expect(h.run("SET", "k", "v", "EX", "0") == .error("ERR invalid expire time in 'set' command"))
        #expect(h.run("SET", "k", "v", "EX", "-5") == .error("ERR invalid expire time in 'set' command"))
        #expect(h.run("SET", "k", "v", "EX", "9223372036854775") == .error("ERR invalid expire time in 'set' command"))
        #expect(h.run("SET", "k", "v", "PX", "abc") == .error("ERR value is not an integer or out of range"))
    }

    @Test func setExpiryFormsAndKeepTTL() {
        let h = Harness()
        h.run("SET", "a", "v", "EX", "100")
        #expect(h.run("PTTL", "a") == .integer(100_000))
        h.run("SET", "b", "v", "PX", "1500")
        #expect(h.run("PTTL", "b") == .integer(1500))
        h.run("SET", "c", "v", "EXAT", String(h.now / 1000 + 50))
        #expect(h.run("TTL", "c") == .integer(50))
        h.run("SET", "d", "v", "PXAT", String(h.now + 2500))
        #expect(h.run("PTTL", "d") == .integer(2500))
        h.run("SET", "d", "w", "KEEPTTL")
        #expect(h.run("PTTL", "d") == .integer(2500))
        h.run("SET", "d", "x")
        #expect(h.run("TTL", "d") == .integer(-1))
    }

    @Test func setexAndPsetex() {
        let h = Harness()
        #expect(h.run("SETEX", "k", "10", "v") == .ok)
        #expect(h.run("TTL", "k") == .integer(10))
        #expect(h.run("PSETEX", "p", "300", "v") == .ok)
        #expect(h.run("PTTL", "p") == .integer(300))
        #expect(h.run("SETEX", "k", "0", "v") == .error("ERR invalid expire time in 'setex' command"))
        #expect(h.run("PSETEX", "k", "-1", "v") == .error("ERR invalid expire time in 'psetex' command"))
        #expect(h.run("SETEX", "k", "x", "v") == .error("ERR value is not an integer or out of range"))
        #expect(h.run("SETEX", "k", "10") == .error("ERR wrong number of arguments for 'setex' command"))
    }

    @Test func setnxGetsetGetdel() {
        let h = Harness()
        #expect(h.run("SETNX", "k", "1") == .integer(1))
        #expect(h.run("SETNX", "k", "2") == .integer(0))
        #expect(h.run("GETSET", "k", "3") == .str("1"))
        #expect(h.run("GETSET", "n", "3") == .null)
        #expect(h.run("GETDEL", "k") == .str("3"))
        #expect(h.run("GETDEL", "k") == .null)
        #expect(h.run("EXISTS", "k") == .integer(0))
    }

    @Test func getexChangesOrRemovesTheTTL() {
        let h = Harness()
        h.run("SET", "k", "v")
        #expect(h.run("GETEX", "k", "EX", "100") == .str("v"))
        #expect(h.run("TTL", "k") == .integer(100))
        #expect(h.run("GETEX", "k", "PERSIST") == .str("v"))
        #expect(h.run("TTL", "k") == .integer(-1))
        #expect(h.run("GETEX", "k", "PXAT", String(h.now - 1)) == .str("v"))
        #expect(h.run("EXISTS", "k") == .integer(0))
        #expect(h.run("GETEX", "missing", "EX", "5") == .null)
        #expect(h.run("GETEX", "k", "KEEPTTL") == .error("ERR syntax error"))
        h.run("SET", "k", "v")
        #expect(h.run("GETEX", "k", "EX", "0") == .error("ERR invalid expire time in 'getex' command"))
        // Like Redis, a missing key answers nil before the time is checked.
        #expect(h.run("GETEX", "gone", "EX", "0") == .null)
    }

    @Test func multiKeyCommands() {
        let h = Harness()
        #expect(h.run("MSET", "a", "1", "b", "2") == .ok)
        #expect(h.run("MGET", "a", "b", "c") == .array([.str("1"), .str("2"), .null]))
        #expect(h.run("MSET", "a", "1", "b") == .error("ERR wrong number of arguments for 'mset' command"))
        #expect(h.run("MSETNX", "c", "3", "a", "9") == .integer(0))
        #expect(h.run("GET", "c") == .null)
        #expect(h.run("MSETNX", "c", "3", "d", "4") == .integer(1))
        #expect(h.run("MGET", "c", "d") == .strings(["3", "4"]))
    }

    @Test func appendStrlenAndRanges() {
        let h = Harness()
        #expect(h.run("APPEND", "s", "Hello") == .integer(5))
        #expect(h.run("APPEND", "s", " World") == .integer(11))
        #expect(h.run("STRLEN", "s") == .integer(11))
        #expect(h.run("STRLEN", "none") == .integer(0))
        #expect(h.run("GETRANGE", "s", "0", "4") == .str("Hello"))
        #expect(h.run("GETRANGE", "s", "-5", "-1") == .str("World"))
        #expect(h.run("GETRANGE", "s", "-1", "-5") == .str(""))
        #expect(h.run("GETRANGE", "s", "5", "2") == .str(""))
        #expect(h.run("GETRANGE", "s", "0", "100") == .str("Hello World"))
        #expect(h.run("GETRANGE", "s", "-100", "2") == .str("Hel"))
        #expect(h.run("GETRANGE", "none", "0", "1") == .str(""))
        #expect(h.run("GETRANGE", "s", "a", "1") == .error("ERR value is not an integer or out of range"))
        #expect(h.run("SETRANGE", "s", "6", "Redis") == .integer(11))
        #expect(h.run("GET", "s") == .str("Hello Redis"))
        #expect(h.run("SETRANGE", "pad", "3", "x") == .integer(4))
        #expect(h.run("GET", "pad") == .str("\u{0}\u{0}\u{0}x"))
        #expect(h.run("SETRANGE", "none", "5", "") == .integer(0))
        #expect(h.run("EXISTS", "none") == .integer(0))
        #expect(h.run("SETRANGE", "s", "0", "") == .integer(11))
        #expect(h.run("SETRANGE", "s", "-1", "x") == .error("ERR offset is out of range"))
        #expect(h.run("SETRANGE", "s", "536870911", "xx") == .error("ERR string exceeds maximum allowed size (proto-max-bulk-len)"))
    }

    @Test func appendKeepsTheTTL() {
        let h = Harness()
        h.run("SET", "s", "a", "EX", "100")
        h.run("APPEND", "s", "b")
        #expect(h.run("TTL", "s") == .integer(100))
        #expect(h.run("GET", "s") == .str("ab"))
    }

    @Test func counters() {
        let h = Harness()
        #expect(h.run("INCR", "n") == .integer(1))
        #expect(h.run("INCRBY", "n", "10") == .integer(11))
        #expect(h.run("DECR", "n") == .integer(10))
        #expect(h.run("DECRBY", "n", "20") == .integer(-10))
        #expect(h.run("GET", "n") == .str("-10"))
        h.run("SET", "big", "9223372036854775807")
        #expect(h.run("INCR", "big") == .error("ERR increment or decrement would overflow"))
        #expect(h.run("DECRBY", "n", "-9223372036854775808") == .error("ERR decrement would overflow"))
        h.run("SET", "s", "abc")
        #expect(h.run("INCR", "s") == .error("ERR value is not an integer or out of range"))
        h.run("SET", "sp", " 1")
        #expect(h.run("INCR", "sp") == .error("ERR value is not an integer or out of range"))
        #expect(h.run("INCRBY", "n", "1.5") == .error("ERR value is not an integer or out of range"))
        h.run("SET", "t", "5", "EX", "100")
        h.run("INCR", "t")
        #expect(h.run("TTL", "t") == .integer(100))
    }

    @Test func incrByFloatMatchesRedisFormatting() {
        let h = Harness()
        #expect(h.run("INCRBYFLOAT", "f", "10.5") == .str("10.5"))
        #expect(h.run("INCRBYFLOAT", "f", "0.1") == .str("10.6"))
        #expect(h.run("INCRBYFLOAT", "f", "-5") == .str("5.6"))
        #expect(h.run("INCRBYFLOAT", "g", "5.0e3") == .str("5000"))
        #expect(h.run("INCRBYFLOAT", "g", "-5000") == .str("0"))
        #expect(h.run("INCRBYFLOAT", "f", "abc") == .error("ERR value is not a valid float"))
        #expect(h.run("INCRBYFLOAT", "f", " 1") == .error("ERR value is not a valid float"))
        #expect(h.run("INCRBYFLOAT", "f", "1e5000") == .error("ERR value is not a valid float"))
        #expect(h.run("INCRBYFLOAT", "f", "inf") == .error("ERR increment would produce NaN or Infinity"))
        h.run("SET", "s", "x")
        #expect(h.run("INCRBYFLOAT", "s", "1") == .error("ERR value is not a valid float"))
    }

    @Test func arityErrors() {
        let h = Harness()
        #expect(h.run("GET") == .error("ERR wrong number of arguments for 'get' command"))
        #expect(h.run("SET", "k") == .error("ERR wrong number of arguments for 'set' command"))
        #expect(h.run("GET", "a", "b") == .error("ERR wrong number of arguments for 'get' command"))
    }
}
