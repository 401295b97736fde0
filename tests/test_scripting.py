"""Lua scripting against Debian's redis-server: the same scripts, byte-identical replies.

Each case is a list of commands run on a fresh connection to each server (both start
empty); the raw reply bytes of every command must be equal. Error replies name the
script by its SHA-1, so they are compared whole too.
"""
import pytest

from resp import Connection, encode


def E(script, *keys_and_args, keys=0):
    return ["EVAL", script, str(keys), *keys_and_args]


CASES = {
    # Values a script returns, in RESP2.
    "return-values": [E(s) for s in [
        "return 1", "return -3.7", "return 3.99", "return 'x'", "return 'a\\0b'", "return true", "return false",
        "return nil", "return {1, 2.5, 'a', {3, nil, 4}, true, false}", "return {1, {2, {3, {4}}}}",
        "return {'a', nil, 'b'}", "return {1,2,nil,4}", "return 1e20", "return 0/0", "return 1/0", "return -1/0",
        "return 2^63", "return -(2^63)", "return 2^53+1", "return {1.9, -1.9, '3'}", "return function() end",
        "return coroutine.create(function() end)", "return {}", "return {err='bad'}", "return {err='bad thing'}",
        "return {err='-bad'}", "return {err=''}", "return {err='a\\r\\nb'}", "return {ok='a\\r\\nb'}",
        "return {ok='fine'}", "return {err=5}", "return {ok=5}", "return {1, {err='inner'}, 3}",
        "return {1, {ok='inner'}, 3}", "return {double=1.5}", "return {double=0.1}", "return {map={a=1}}",
        "return {set={a=true}}", "return {big_number='123'}",
        "return {verbatim_string={format='txt', string='hi'}}", "local t = {} t[1] = t return 1",
        "return tostring(3.99)", "return tonumber('0x10')", "return string.format('%q', 'a\\0b')",
        "return #KEYS + #ARGV", "return _VERSION", "return type(unpack)", "return type(loadstring)",
        "return gcinfo ~= nil", "return {math.random(100), math.random(100), math.random(), math.random(5,10)}",
        "math.randomseed(42) return {math.random(100), math.random(100)}",
        "return {math.random(1, 2147483647), math.random(-5, -5)}",
    ]],
    "keys-and-args": [
        E("return {KEYS[1], ARGV[1], #KEYS, #ARGV}", "k1", "a1", keys=1),
        E("return {KEYS, ARGV}", "k1", "k2", "a1", "a2", keys=2),
        E("return ARGV", "x", "", "z"),
        ["EVAL", "return 1", "-1"], ["EVAL", "return 1", "2", "a"], ["EVAL", "return 1", "abc"],
        ["EVAL", "return 1", "99999999999999999999"], ["EVAL", "return 1"],
    ],
    # Errors a script raises and how Redis words them.
    "errors": [E(s) for s in [
        "error('boom')", "error({err='My Error'})", "error({err='bad thing'})", "error()", "error(nil)", "error(12)",
        "return 'x' .. nil", "local a = 1 +", "return redis.call('nosuch')", "return redis.pcall('nosuch')",
        "return redis.call('incr','k','x')", "return redis.pcall('incr','nokey','x')", "return redis.call()",
        "return redis.call({})", "return redis.call('get', {})", "return redis.pcall('get', {})",
        "return redis.pcall('nosuchcmd')", "local t = redis.pcall('nosuchcmd') return t.err",
        "return redis.error_reply('x')", "return redis.error_reply('MY fail')", "return redis.error_reply('-x')",
        "return redis.error_reply('-MY fail')", "return redis.error_reply('lower case')",
        "return redis.error_reply()", "return redis.status_reply()", "return redis.status_reply('FINE')",
        "return redis.status_reply('-x')", "return redis.sha1hex()", "return redis.sha1hex('')",
        "return redis.sha1hex(12)", "return redis.setresp(4)", "return redis.setresp()", "return redis.log()",
        "return redis.log('x', 'y')", "return redis.log(9, 'y')", "return redis.log(redis.LOG_WARNING, 'from a test')",
        "return redis.set_repl(redis.REPL_ALL)", "return redis.set_repl(99)", "return redis.replicate_commands()",
        "return type(redis.breakpoint())", "return redis.acl_check_cmd('get', 'x')", "return redis.acl_check_cmd('nosuch')",
        "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING, redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}",
    ]],
    # The sandbox: read-only globals and libraries, missing globals, removed functions.
    "sandbox": [E(s) for s in [
        "x = 1", "return y", "redis.call = nil", "string.foo = 1", "local t = {} t.a = 1 return t.a",
        "return loadfile", "return os", "return print", "return dofile", "return require", "return io",
        "setmetatable(_G, nil)", "_G.x = 1", "rawset(_G, 'x', 1)", "return type(debug)", "return getfenv",
        "return setfenv", "return newproxy", "return module", "return package",
        "return getmetatable(_G)", "return tostring(getmetatable('').__index == string)",
        "return type(rawget(_G, 'redis'))", "return type(rawget(_G, 'nothing'))", "return rawget(string, 'nothing')",
        "local n = 0 for k, v in pairs(redis) do n = n + 1 end return n > 10",
        "local n = 0 for k, v in pairs(string) do n = n + 1 end return n",
        "return (function() local ok, err = pcall(function() x = 1 end) return err end)()",
        "local s = 'x' s = s:upper() return s", "return string.rep('ab', 3)", "return table.concat({1, 2, 3}, ',')",
        "return math.floor(3.7)", "local t = setmetatable({}, {__index=function() return 1 end}) return t.x",
        "return select('#', 1, 2, 3)", "return coroutine.status(coroutine.create(function() end))",
        "return (loadstring('return 41 + 1'))()", "return (loadstring('x = 5'))()", "math.pi = 3",
        "table.insert = nil", "return redis.sha1hex == nil",
    ]],
    # Commands from scripts: replies converted, writes and their errors.
    "calls": [
        E("return redis.call('set', KEYS[1], ARGV[1])", "k", "v", keys=1),
        E("return redis.call('get', KEYS[1])", "k", keys=1),
        E("return redis.call('set','n',1.5)"), E("return redis.call('get','n')"),
        E("return redis.call('incrby', 'counter', 5)"), E("return redis.call('incrbyfloat', 'f', '0.1')"),
        E("return redis.call('get', 'nokey')"), E("local v = redis.call('get', 'nokey') return type(v)"),
        E("return redis.call('lpush', 'list', 'a', 'b', 'c')"), E("return redis.call('lrange', 'list', 0, -1)"),
        E("return redis.call('hset', 'h', 'f', 'v', 'g', 'w')"), E("return redis.call('hgetall', 'h')"),
        E("return redis.call('hgetall', 'nohash')"), E("return redis.call('zadd', 'z', 1, 'a', 2.5, 'b')"),
        E("return redis.call('zrange', 'z', 0, -1, 'withscores')"), E("return redis.call('lpush', 'k', 'x')"),
        E("local r = redis.pcall('lpush','k','x') return r"), E("local r = redis.pcall('lpush','k','x') return r.err"),
        E("return redis.call('ping')"), E("return redis.call('echo', 'hi')"), E("return redis.call('type', 'h')"),
        E("return redis.call('exists', 'k', 'h', 'nothing')"), E("return redis.call('del', 'k')"),
        E("redis.call('select', 1) redis.call('set', 'sel', '1') return redis.call('dbsize')"),
        ["GET", "sel"], ["SELECT", "1"], ["GET", "sel"], ["SELECT", "0"],
        E("return redis.call('multi')"), E("return redis.call('subscribe', 'x')"), E("return redis.call('blpop', 'l', 0)"),
        E("return redis.call('eval', 'return 1', 0)"), E("return redis.call('script', 'load', 'return 1')"),
        E("return redis.call('client', 'list')"), E("return redis.call('watch', 'x')"),
        E("return redis.call('monitor')"), E("return redis.call('shutdown')"),
        E("return redis.call('blmpop', 0, 1, 'nolist', 'left')"),
        E("return redis.call('lmpop', 1, 'list', 'left')"),
        E("return redis.call('expire', 'list', 100)"), E("return redis.call('ttl', 'list')"),
        E("return redis.call('setex', 'temp', 100, 'v')"),
        E("redis.call('set', 'a', '1') redis.call('incr', 'a') return redis.call('get', 'a')"),
        E("return redis.call('sort', 'list', 'alpha')"),
        E("return redis.call('object', 'encoding', 'list')"),
    ],
    "read-only": [
        ["EVAL_RO", "return redis.call('set','k','v')", "0"],
        ["EVAL_RO", "return redis.call('get','k')", "0"],
        E("#!lua flags=no-writes\nreturn redis.call('set','k','v')"),
        E("#!lua flags=no-writes\nreturn redis.call('get','k')"),
        E("#!lua flags=bogus\nreturn 1"), E("#!lua name=x\nreturn 1"), E("#!notlua\nreturn 1"),
        E("#!lua\nreturn 1"), E("#!lua flags=no-writes,allow-oom\nreturn 2"), E("#!lua flags=\nreturn 3"),
        E("#!lua\nerror('line two')"),
    ],
    "cache": [
        ["SCRIPT", "LOAD", "return 1"], ["SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "ffff"],
        ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
        ["EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"],
        ["EVALSHA_RO", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
        ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"], ["EVALSHA", "abc", "0"],
        ["SCRIPT", "FLUSH"], ["SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"],
        E("return 'cached by eval'"), ["SCRIPT", "EXISTS", "f3a5c9af4b9e2afcc85e8b2b5b03d31a1b9b0d8e"],
        ["SCRIPT", "FLUSH", "ASYNC"], ["SCRIPT", "FLUSH", "SYNC"], ["SCRIPT", "FLUSH", "bogus"],
        ["SCRIPT", "LOAD", "local a = 1 +"], ["SCRIPT", "LOAD", "#!bad\nreturn 1"],
        ["SCRIPT", "KILL"], ["SCRIPT", "NOSUCH"], ["SCRIPT"], ["SCRIPT", "LOAD"],
        ["MULTI"], E("return redis.call('incr', 'tx')"), E("return redis.call('incr', 'tx')"), ["EXEC"],
    ],
}


def run(port, commands, resp3=False):
    with Connection(port) as c:
        if resp3:
            c.send_raw(encode("HELLO", "3"))
            c.read_reply()
        out = []
        for cmd in commands:
            c.send_raw(encode(*cmd))
            out.append(c.read_reply()[1])
        return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_scripts_reply_as_redis(cairn, redis_server, name):
    commands = CASES[name]
    got, want = run(cairn.port, commands), run(redis_server.port, commands)
    for cmd, g, w in zip(commands, got, want):
        assert g == w, f"{cmd!r}: cairn {g!r} redis {w!r}"


RESP3_CASES = [E(s) for s in [
    "return {double=1.5}", "return {map={a=1}}", "return {set={a=true}}", "return {big_number='123'}",
    "return {verbatim_string={format='txt', string='hi'}}", "return true", "return false", "return nil",
    "redis.setresp(3) return redis.call('hgetall', 'nohash')", "redis.setresp(3) return redis.call('get', 'nokey')",
    "redis.setresp(3) local v = redis.call('get', 'nokey') return type(v)",
    "local v = redis.call('get', 'nokey') return type(v)", "redis.setresp(3) return {1, redis.call('get','nokey'), 3}",
    "return {1, nil, 3}", "return {double=0/0}", "return {double=1/0}", "return {double=3}", "return {double=0.1}",
    "redis.call('hset', 'h', 'a', '1') redis.setresp(3) return redis.call('hgetall', 'h')",
    "redis.setresp(3) return redis.call('hgetall', 'h')['map']['a']",
    "redis.call('sadd', 's', 'm') redis.setresp(3) return redis.call('smembers', 's')",
    "redis.setresp(3) local r = redis.call('smembers', 's') return r['set']['m']",
    "redis.call('zadd', 'z', 1.5, 'm') redis.setresp(3) return redis.call('zscore', 'z', 'm')",
    "redis.setresp(3) return redis.call('zscore', 'z', 'm')['double']",
    "redis.setresp(3) return redis.call('exists', 'h')", "redis.setresp(3) return true",
    "redis.setresp(3) return false", "redis.setresp(3) return redis.call('zrange', 'z', 0, -1, 'withscores')",
]]


def test_resp3_conversions_match_redis(cairn, redis_server):
    got, want = run(cairn.port, RESP3_CASES, resp3=True), run(redis_server.port, RESP3_CASES, resp3=True)
    for cmd, g, w in zip(RESP3_CASES, got, want):
        assert g == w, f"{cmd!r}: cairn {g!r} redis {w!r}"
    # And a RESP2 caller of a script that chose RESP3 for its calls.
    resp2 = RESP3_CASES[-8:]
    got, want = run(cairn.port, resp2), run(redis_server.port, resp2)
    for cmd, g, w in zip(resp2, got, want):
        assert g == w, f"{cmd!r}: cairn {g!r} redis {w!r}"
