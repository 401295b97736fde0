"""Lua scripting against Debian's redis-server: the same scripts, byte-identical replies.

Each case is a list of commands run on a fresh connection to each server (both start
empty); the raw reply bytes of every command must be equal. Error replies name the
script by its SHA-1, so they are compared whole too.
"""
import pytest

from resp import Connection, assert_same_replies, encode


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
        "return math.random(-2147483648, 2147483647) ~= nil", "return math.random(0, -1)",
        "return redis.setresp(0/0)", "return redis.log(0/0, 'x')", "return redis.set_repl(1e300)",
    ]],
    "keys-and-args": [
        E("return {KEYS[1], ARGV[1], #KEYS, #ARGV}", "k1", "a1", keys=1),
        E("return {KEYS, ARGV}", "k1", "k2", "a1", "a2", keys=2),
        E("return ARGV", "x", "", "z"),
        ["EVAL", "return 1", "-1"], ["EVAL", "return 1", "2", "a"], ["EVAL", "return 1", "abc"],
        ["EVAL", "return 1", "99999999999999999999"], ["EVAL", "return 1"],
        ["EVAL", "return 1", "9223372036854775807"], ["EVAL", "return 1", "-9223372036854775808"],
        ["EVAL", "return #KEYS", "1", ""], ["EVALSHA", "f" * 40, "9223372036854775807"],
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
    # The libraries Debian packages (lua-cjson, lua-bitop), as Redis embeds them.
    "cjson-and-bit": [E(s) for s in [
        "return cjson.encode({1, 2, 'x', {a = 1}})", "return cjson.encode({})", "return cjson.encode('a\"b')",
        "local t = cjson.decode('{\"a\":[1,2,{\"b\":null}],\"c\":true}') return {t.a[1], t.a[2], type(t.a[3].b), tostring(t.c)}",
        "return cjson.decode('[1, 2.5, \"x\"]')", "return cjson.decode('{bad')", "return cjson.encode(0/0)",
        "return cjson.encode(function() end)", "cjson.encode = nil", "return type(cjson.null)",
        "return {bit.band(12, 10), bit.bor(12, 10), bit.bxor(12, 10), bit.bnot(0), bit.lshift(1, 10), bit.rshift(-1, 28)}",
        "return {bit.tohex(255), bit.tohex(-1, 4), bit.tobit(2^32 + 5), bit.arshift(-256, 4)}",
        "bit.band = nil",
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
        ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "x"], ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "-1"],
        ["EVALSHA", "abc", "-1"], ["EVALSHA_RO", "1.5", "2"], ["EVAL", "return +", "x"], ["EVAL", "return +", "5"],
        ["SCRIPT", "FLUSH"], ["SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"],
        E("return 'cached by eval'"), ["SCRIPT", "EXISTS", "f3a5c9af4b9e2afcc85e8b2b5b03d31a1b9b0d8e"],
        ["SCRIPT", "FLUSH", "ASYNC"], ["SCRIPT", "FLUSH", "SYNC"], ["SCRIPT", "FLUSH", "bogus"],
        ["SCRIPT", "LOAD", "local a = 1 +"], ["SCRIPT", "LOAD", "#!bad\nreturn 1"],
        ["SCRIPT", "KILL"], ["SCRIPT", "NOSUCH"], ["SCRIPT"], ["SCRIPT", "LOAD"],
        ["MULTI"], E("return redis.call('incr', 'tx')"), E("return redis.call('incr', 'tx')"), ["EXEC"],
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_scripts_reply_as_redis(cairn, redis_server, name):
    assert_same_replies(cairn.port, redis_server.port, CASES[name])


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
    assert_same_replies(cairn.port, redis_server.port, RESP3_CASES, resp3=True)
    # And a RESP2 caller of a script that chose RESP3 for its calls.
    assert_same_replies(cairn.port, redis_server.port, RESP3_CASES[-8:])


def test_evalsha_names_in_either_case_and_after_flush_as_redis(cairn, redis_server):
    """EVALSHA remembers the last script it found by the name's spelling: other
    spellings of the same name, a name one digit off, and a flushed cache answer as in
    Redis."""
    for port in (cairn.port, redis_server.port):
        Connection(port).call("SCRIPT", "LOAD", "return ARGV[1]")
    sha = Connection(cairn.port).call("SCRIPT", "LOAD", "return ARGV[1]").decode()
    off = sha[:-1] + ("0" if sha[-1] != "0" else "1")
    cases = [("EVALSHA", sha, "0", "a"), ("EVALSHA", sha.upper(), "0", "b"), ("EVALSHA", sha, "0", "c"),
             ("EVALSHA", off, "0", "d"), ("EVALSHA", sha[:39], "0", "e"), ("EVALSHA", sha, "0", "f"),
             ("SCRIPT", "FLUSH"), ("EVALSHA", sha, "0", "g"), ("EVALSHA", sha.upper(), "0", "h")]
    assert_same_replies(cairn.port, redis_server.port, cases)


# ---------------------------------------------------------------------------
# Real clients.

import os
import random
import signal
import threading
import time
from pathlib import Path

import redis

from conftest import free_port, start_cairn, ServerProcess, kill_while_running


def test_redis_py_register_script_and_pipelines_of_evalsha(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    add = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
    assert add(keys=["n"], args=[5]) == 5            # EVALSHA fails with NOSCRIPT, then EVAL
    r.script_flush()
    with r.pipeline() as p:                           # a pipeline loads missing scripts first
        for _ in range(10):
            add(keys=["n"], args=[1], client=p)
        assert p.execute() == list(range(6, 16))
    with r.pipeline(transaction=True) as p:
        add(keys=["n"], args=[100], client=p)
        p.get("n")
        assert p.execute() == [115, "115"]
    assert r.script_exists(add.sha) == [True]
    assert r.evalsha(add.sha, 1, "m", 2) == 2
    with pytest.raises(redis.exceptions.NoScriptError):
        r.evalsha("0" * 40, 0)
    with pytest.raises(redis.ResponseError, match="Error compiling script"):
        r.eval("return +", 0)
    r.close()


def test_redis_py_lock_with_timeouts_and_extend(cairn):
    r = redis.Redis(port=cairn.port)
    lock = r.lock("resource", timeout=2, blocking_timeout=0.2)
    assert lock.acquire()
    other = r.lock("resource", timeout=2, blocking_timeout=0.2)
    assert not other.acquire()                        # held: waits 0.2 s and gives up
    assert lock.extend(3)                             # a script: only the owner extends
    assert 2000 < r.pttl("resource") <= 5000
    assert lock.reacquire()
    assert not other.owned() and lock.owned()
    impostor = r.lock("resource", timeout=2)
    impostor.local.token = b"not-the-owner"
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        impostor.release()                            # a script: only the owner releases
    impostor.local.token = b"not-the-owner"
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        impostor.extend(1)
    lock.release()
    assert r.get("resource") is None
    assert other.acquire()
    short = r.lock("short", timeout=0.2)
    assert short.acquire()
    time.sleep(0.4)                                   # expired: another takes it
    assert r.lock("short", timeout=1, blocking_timeout=0.1).acquire()
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        short.release()
    r.close()


def test_python_redis_lock(cairn):
    import redis_lock
    r = redis.Redis(port=cairn.port)
    lock = redis_lock.Lock(r, "job", expire=5, auto_renewal=False)
    assert lock.acquire(blocking=False)
    assert not redis_lock.Lock(r, "job", expire=5).acquire(blocking=False)
    lock.extend(expire=10)
    assert 5 < r.ttl("lock:job") <= 10
    lock.release()
    assert redis_lock.Lock(r, "job", expire=5).acquire(blocking=False)
    redis_lock.reset_all(r)
    assert r.keys("lock:*") == []
    r.close()


def test_limits_moving_window_rate_limiter(cairn):
    from limits import parse
    from limits.storage import RedisStorage
    from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
    storage = RedisStorage(f"redis://127.0.0.1:{cairn.port}")
    assert storage.check()
    moving = MovingWindowRateLimiter(storage)
    five_per_second = parse("5/second")
    assert [moving.hit(five_per_second, "user", "1") for _ in range(7)] == [True] * 5 + [False] * 2
    assert moving.hit(five_per_second, "user", "2")   # another identity has its own window
    window = moving.get_window_stats(five_per_second, "user", "1")
    assert window.remaining == 0
    time.sleep(1.1)
    assert moving.hit(five_per_second, "user", "1")
    fixed = FixedWindowRateLimiter(storage)
    ten_per_minute = parse("10/minute")
    assert sum(fixed.hit(ten_per_minute, "api") for _ in range(12)) == 10
    storage.reset()


# ---------------------------------------------------------------------------
# Durability: a script reaches the log as its effects.

def incr_file(workdir) -> Path:
    return Path(workdir) / "appendonlydir" / "appendonly.aof.1.incr.aof"


def test_scripts_are_logged_as_their_effects_and_replay_to_the_same_state(tmp_path):
    script = """
        local n = math.random(1000000)
        redis.call('set', KEYS[1], n)
        redis.call('rpush', KEYS[2], n, redis.call('time')[1])
        redis.call('select', 2)
        redis.call('set', 'in-db-2', n)
        return n
    """
    with start_cairn(tmp_path, "--appendfsync", "always") as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        n = r.eval(script, 2, "k", "l")
        ro = r.eval("return redis.call('get', KEYS[1])", 1, "k")      # reads log nothing
        assert ro == str(n)
        r.eval("return redis.call('incr', 'single')", 0)              # one effect: no MULTI
        before = (r.get("k"), r.lrange("l", 0, -1), r.get("single"))
        r.close()
    data = incr_file(tmp_path).read_bytes()
    assert b"EVAL" not in data.upper().replace(b"EVALUATE", b"")
    assert data.count(b"MULTI") == 1 and data.count(b"EXEC") == 1
    assert encode("set", "k", str(n)) in data
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert (r.get("k"), r.lrange("l", 0, -1), r.get("single")) == before
        assert redis.Redis(port=server.port, db=2, decode_responses=True).get("in-db-2") == str(n)
        r.close()
    # Redis loads the same directory and finds the same state.
    port = free_port()
    theirs = ServerProcess(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path),
                            "--appendonly", "yes", "--aof-use-rdb-preamble", "no"], port, tmp_path)
    with theirs:
        r = redis.Redis(port=port, decode_responses=True)
        assert (r.get("k"), r.lrange("l", 0, -1), r.get("single")) == before
        r.close()


def test_a_script_that_fails_midway_keeps_and_logs_what_it_did(tmp_path):
    """Redis has no rollback: writes before the error stay, and are logged."""
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
            r.eval("redis.call('set', 'a', '1') redis.call('lpush', 'a', 'x')", 0)
        assert r.get("a") == "1"
        r.close()
    with start_cairn(tmp_path) as server:
        assert redis.Redis(port=server.port, decode_responses=True).get("a") == "1"


def test_kill_9_during_scripts_under_always_loses_nothing_acknowledged(tmp_path):
    """Each script writes a key and appends to a list in one step; every script the
    server answered must be found whole after SIGKILL, and no script half-applied."""
    script = "redis.call('set', KEYS[1], ARGV[1]) redis.call('rpush', 'journal', KEYS[1]) return 1"
    rng = random.Random(11)
    acknowledged = set()
    for round_number in range(3):
        server = start_cairn(tmp_path, "--appendfsync", "always")
        check = redis.Redis(port=server.port, decode_responses=True)
        journal = check.lrange("journal", 0, -1)
        assert acknowledged <= set(journal), f"round {round_number}: lost acknowledged scripts"
        assert all(check.get(k) == "v" for k in journal), "a script was half applied"
        sha = check.script_load(script)
        check.close()
        stop = threading.Event()
        lock = threading.Lock()

        def worker(w):
            client = redis.Redis(port=server.port, socket_timeout=5)
            i = 0
            while not stop.is_set():
                key = f"r{round_number}:w{w}:{i}"
                try:
                    client.evalsha(sha, 1, key, "v")
                except (redis.ConnectionError, redis.TimeoutError):
                    return
                with lock:
                    acknowledged.add(key)
                i += 1

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(3)]
        kill_while_running(server, threads, stop, rng.uniform(0.3, 1.0))
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        journal = r.lrange("journal", 0, -1)
        assert len(acknowledged) > 50 and acknowledged <= set(journal)
        assert len(journal) == len(set(journal))
        r.close()


def test_script_help_and_no_debugger(cairn):
    with Connection(cairn.port) as c:
        c.send_raw(encode("SCRIPT", "HELP"))
        lines, _ = c.read_reply()
        assert lines[0].startswith("SCRIPT <subcommand>") and "KILL" in lines and not any("DEBUG" in l for l in lines)
        c.send_raw(encode("SCRIPT", "DEBUG", "YES"))
        _, raw = c.read_reply()
        assert raw.startswith(b"-ERR unknown subcommand 'DEBUG'")
        c.send_raw(encode("EVAL", "return type(redis.breakpoint())", "0"))
        assert c.read_reply()[1] == b"$7\r\nboolean\r\n"


def script_monitor_lines(port, commands):
    import re
    with Connection(port) as mon, Connection(port) as c:
        mon.send_raw(encode("MONITOR"))
        mon.read_reply()
        for command in commands:
            c.send_raw(encode(*command))
            c.read_reply()
        c.send_raw(encode("ECHO", "end-of-feed"))
        c.read_reply()
        lines = []
        while True:
            line = mon._line().decode("latin1")
            line = re.sub(r"^\+\d+\.\d{6} \[(\d+) (lua|[^\]]+)\]",
                          lambda m: f"[{m.group(1)} {'lua' if m.group(2) == 'lua' else 'client'}]", line)
            lines.append(line)
            if "end-of-feed" in line:
                return lines


def test_monitor_shows_the_script_then_the_commands_it_runs(cairn, redis_server):
    commands = [
        E("redis.call('set', KEYS[1], '1') redis.call('select', 3) return redis.call('get', KEYS[1])", "mk", keys=1),
        ["SCRIPT", "LOAD", "return redis.call('incr', 'counter')"],
        ["EVALSHA", "e48b0fbbd4fdd0d0c21cb1ee0a2d4b0f8a8c4e0f", "0"],
        E("return redis.pcall('nosuch')"), ["EVAL_RO", "return redis.call('exists', 'mk')", "0"],
        ["MULTI"], E("return redis.call('incr', 'tx')"), ["EXEC"],
    ]
    got, want = script_monitor_lines(cairn.port, commands), script_monitor_lines(redis_server.port, commands)
    assert got == want
    assert '[0 lua] "set" "mk" "1"' in got and '[3 lua] "get" "mk"' in got


# ---------------------------------------------------------------------------
# Functions.

def L(name, body):
    return ["FUNCTION", "LOAD", "REPLACE", f"#!lua name={name}\n{body}"]


FUNCTION_CASES = [
    ["FUNCTION", "FLUSH"],
    ["FUNCTION", "LOAD", "return 1"], ["FUNCTION", "LOAD", "#!lua\nreturn 1"], ["FUNCTION", "LOAD", "#!js name=x\n"],
    ["FUNCTION", "LOAD", "#!lua name=bad-name\nredis.register_function('x', function() end)"],
    ["FUNCTION", "LOAD", "#!lua name=lib2 foo=bar\n"], ["FUNCTION", "LOAD", "#!lua name=lib2\n"],
    ["FUNCTION", "LOAD", "#!lua name=x name=y\nredis.register_function('a', function() end)"],
    ["FUNCTION", "LOAD", "#!lua name=\nredis.register_function('a', function() end)"],
    ["FUNCTION", "LOAD", "#!lua  name=spaced\nredis.register_function('spaced_f', function() return 'ok' end)"],
    ["FCALL", "spaced_f", "0"],
    ["FUNCTION", "LOAD", "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return {keys, args} end)"],
    ["FUNCTION", "LOAD", "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return 1 end)"],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('f1', function() return 2 end)"],
    ["FUNCTION", "LOAD", "#!lua name=lib3\nredis.call('set','x','y')"],
    ["FUNCTION", "LOAD", "bogus", "#!lua name=q\nredis.register_function('q', function() return 1 end)"],
    ["FUNCTION", "LOAD", "REPLACE", "a", "b"],
    L("lib3", "redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}\n"
              "redis.register_function{function_name='rw', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end}"),
    ["FCALL", "f1", "2", "a", "b", "c", "d"], ["FCALL", "nosuch", "0"], ["FCALL_RO", "rw", "1", "k", "v"],
    ["FCALL_RO", "ro", "1", "k"], ["FCALL", "rw", "1", "k", "v"], ["FCALL", "ro", "1", "k"], ["FCALL_RO", "ro", "1", "k"],
    ["FCALL", "f1", "3", "a"], ["FCALL", "f1", "-1"], ["FCALL", "f1", "x"], ["FCALL"],
    ["FCALL", "nosuch", "x"], ["FCALL", "nosuch", "5"], ["FCALL_RO", "rw", "x"], ["FCALL_RO", "rw", "5"],
    ["FCALL", "f1", "9223372036854775807"], ["FCALL", "f1", "-9223372036854775808"],
    ["FUNCTION", "RESTORE", "\xf5\xc3\x01\xff\xff\xff\xff\x0a\x00" + "\x00" * 8],
    L("lib4", "local function helper() error('deep') end\n"
              "redis.register_function('boom', function(keys, args) return redis.call('nosuch') end)\n"
              "redis.register_function('boom2', function(keys, args) helper() end)\n"
              "redis.register_function('g', function(keys, args) x = 1 end)\n"
              "redis.register_function('calls', function(keys, args) return redis.pcall(unpack(args)) end)"),
    ["FCALL", "boom", "0"], ["FCALL", "boom2", "0"], ["FCALL", "g", "0"], ["FCALL", "calls", "0", "incr", "n"],
    ["FCALL", "calls", "0", "lpush", "n", "x"], ["FCALL", "calls", "0", "multi"],
    L("x", "redis.register_function('1-bad', function() end)"),
    L("x", "redis.register_function{function_name='a', callback=function() end, flags={'bogus'}}"),
    L("x", "redis.register_function{function_name='a', callback=function() end, bogus=1}"),
    L("x", "redis.register_function('a')"), L("x", "redis.register_function('a', 'notfunction')"),
    L("x", "redis.register_function{callback=function() end}"), L("x", "redis.register_function{function_name='a'}"),
    L("x", "redis.register_function{function_name='a', callback=1}"),
    L("x", "redis.register_function{function_name='a', callback=function() end, flags='no-writes'}"),
    L("x", "redis.register_function{function_name='a', callback=function() end, description=1}"),
    L("x", "redis.register_function(1, function() end)"), L("x", "redis.register_function('a', function() end, 3)"),
    L("x", "redis.register_function()"), L("x", "local a = 1 +"), L("x", "error('at load')"),
    L("x", "redis.register_function('a', function() end) redis.register_function('a', function() end)"),
    L("x", "return redis.setresp"), L("x", "return redis.call"), L("x", "return string"),
    L("x", "return redis.log(redis.LOG_WARNING, 'loading x')"),
    L("x", "local v = redis.REDIS_VERSION_NUM > 0 and redis.LOG_NOTICE\nredis.register_function('xv', function() return 7 end)"),
    ["FCALL", "xv", "0"],
    ["FUNCTION", "DELETE", "nosuch"], ["FUNCTION", "DELETE", "x"], ["FCALL", "xv", "0"],
    ["FUNCTION", "LIST", "bogus"], ["FUNCTION", "LIST", "libraryname"], ["FUNCTION", "LIST", "withcode", "withcode"],
    ["FUNCTION", "STATS"], ["FUNCTION", "KILL"], ["FUNCTION", "HELP"], ["FUNCTION", "NOSUCH"],
    ["FUNCTION", "FLUSH", "bogus"], ["FUNCTION", "RESTORE", "abc"], ["FUNCTION", "RESTORE", "abc", "bogus"],
    ["FUNCTION", "DUMP", "x"], ["EVAL", "return redis.call('function', 'list')", "0"],
    ["EVAL", "return redis.call('fcall', 'ro', 1, 'k')", "0"],
    ["MULTI"], ["FCALL", "rw", "1", "txk", "1"], ["FCALL", "ro", "1", "txk"], ["EXEC"],
    ["FUNCTION", "FLUSH", "SYNC"], ["FUNCTION", "STATS"], ["FCALL", "ro", "1", "k"],
]


def test_functions_reply_as_redis(cairn, redis_server):
    assert_same_replies(cairn.port, redis_server.port, FUNCTION_CASES)


def library_listing(port, resp3=False):
    """FUNCTION LIST WITHCODE, as sorted structures (Redis lists in hash order)."""
    setup = [L("alpha", "redis.register_function{function_name='a1', callback=function() return 1 end, flags={'no-writes', 'allow-stale'}, description='first'}\n"
                        "redis.register_function('a2', function() return 2 end)"),
             L("beta", "redis.register_function('b1', function() return 3 end)")]
    with Connection(port) as c:
        if resp3:
            c.send_raw(encode("HELLO", "3"))
            c.read_reply()
        for cmd in setup:
            c.send_raw(encode(*cmd))
            c.read_reply()
        out = []
        for args in (["FUNCTION", "LIST", "WITHCODE"], ["FUNCTION", "LIST", "LIBRARYNAME", "al*"], ["FUNCTION", "STATS"]):
            c.send_raw(encode(*args))
            value, _ = c.read_reply()
            out.append(repr(normalize(value)))
        return out


def normalize(value):
    if isinstance(value, dict):
        return sorted((normalize(k), normalize(v)) for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        items = [normalize(v) for v in value]
        return sorted(items, key=repr)
    return value


def test_function_list_and_stats_match_redis(cairn, redis_server):
    for resp3 in (False, True):
        assert library_listing(cairn.port, resp3) == library_listing(redis_server.port, resp3)


def test_function_dump_and_restore_move_libraries_between_cairn_and_redis(cairn, redis_server):
    r_cairn = redis.Redis(port=cairn.port)
    r_redis = redis.Redis(port=redis_server.port)
    code = "#!lua name=mover\nredis.register_function('moved', function(keys, args) return 'moved ' .. args[1] end)"
    assert r_redis.function_load(code) == b"mover"
    payload = r_redis.function_dump()                 # Redis compresses the code (LZF)
    assert r_cairn.function_restore(payload)
    assert r_cairn.fcall("moved", 0, "x") == b"moved x"
    with pytest.raises(redis.ResponseError, match="Library 'mover' already exists"):
        r_cairn.function_restore(payload)
    assert r_cairn.function_restore(payload, "REPLACE")
    r_cairn.function_load("#!lua name=other\nredis.register_function('other', function() return 1 end)")
    ours = r_cairn.function_dump()
    assert r_redis.function_restore(ours, "FLUSH")  # and Redis reads Cairn's payloads
    assert sorted(dict(zip(l[::2], l[1::2]))[b"library_name"] for l in r_redis.function_list()) == [b"mover", b"other"]
    assert r_cairn.function_restore(ours, "FLUSH")
    assert r_cairn.fcall("other", 0) == 1
    damaged = ours[:-1] + bytes([ours[-1] ^ 1])
    with pytest.raises(redis.ResponseError, match="payload version or checksum are wrong"):
        r_cairn.function_restore(damaged)
    r_cairn.close()
    r_redis.close()


def test_functions_survive_restarts_and_rewrites(tmp_path):
    lib = "#!lua name=counter\nredis.register_function('bump', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)"
    with start_cairn(tmp_path, "--appendfsync", "always") as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.function_load(lib) == "counter"
        r.function_load("#!lua name=gone\nredis.register_function('gone', function() return 0 end)")
        r.function_delete("gone")
        assert r.fcall("bump", 1, "n", 5) == 5
        r.close()
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.fcall("bump", 1, "n", 2) == 7
        assert [dict(zip(l[::2], l[1::2]))["library_name"] for l in r.function_list()] == ["counter"]
        r.bgrewriteaof()
        deadline = time.monotonic() + 30
        while r.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < deadline:
            time.sleep(0.05)
        r.close()
    base = next((tmp_path / "appendonlydir").glob("*.base.aof")).read_bytes()
    assert b"FUNCTION" in base and b"LOAD" in base and b"gone" not in base
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.fcall("bump", 1, "n", 1) == 8
        r.close()
    # Redis 7.0 loads the rewritten directory and has the library too.
    port = free_port()
    with ServerProcess(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path),
                        "--appendonly", "yes", "--aof-use-rdb-preamble", "no"], port, tmp_path):
        r = redis.Redis(port=port, decode_responses=True)
        assert r.fcall("bump", 1, "n", 1) == 9
        r.close()


# ---------------------------------------------------------------------------
# Scripts that run long: -BUSY, SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE.

def busy_transcript(port):
    """What clients see around long-running scripts, as raw replies."""
    out = []

    def ask(conn, *args):
        conn.send_raw(encode(*args))
        return conn.read_reply()[1]

    def start(*args):
        conn = Connection(port, timeout=20)
        conn.send_raw(encode(*args))
        return conn

    with Connection(port) as setup:
        out.append(ask(setup, "CONFIG", "SET", "busy-reply-threshold", "100"))
        out.append(ask(setup, "FUNCTION", "LOAD", "REPLACE",
                       "#!lua name=spin\nredis.register_function('spin', function() while true do end end)"))
    existing = Connection(port, timeout=20)
    out.append(ask(existing, "PING"))
    # An EVAL that never ends and has not written: SCRIPT KILL stops it.
    runner = start("EVAL", "while true do end", "0")
    time.sleep(0.5)
    with Connection(port, timeout=20) as other:              # connected during the script
        out += [ask(other, "PING"), ask(other, "GET", "x"), ask(other, "FUNCTION", "KILL")]
        out += [ask(existing, "PING"), ask(existing, "MULTI"), ask(existing, "DISCARD")]
        out.append(ask(other, "SCRIPT", "KILL"))
    out.append(runner.read_reply()[1])
    runner.close()
    out.append(ask(existing, "PING"))
    # A function: FUNCTION KILL, and FUNCTION STATS names it.
    runner = start("FCALL", "spin", "0")
    time.sleep(0.5)
    with Connection(port, timeout=20) as other:
        out += [ask(other, "SCRIPT", "KILL"), ask(other, "PING")]
        other.send_raw(encode("FUNCTION", "STATS"))
        stats, _ = other.read_reply()
        running = stats[1]                                   # name, command, duration_ms (varies)
        out.append(repr([stats[0], running[:4], running[4] if len(running) > 4 else None]))
        out.append(ask(other, "FUNCTION", "KILL"))
    out.append(runner.read_reply()[1])
    runner.close()
    existing.close()
    return out


def test_busy_scripts_answer_as_redis(cairn, redis_server):
    assert busy_transcript(cairn.port) == busy_transcript(redis_server.port)


def test_a_busy_script_that_wrote_is_unkillable_and_shutdown_nosave_drops_it(tmp_path):
    with start_cairn(tmp_path, "--appendfsync", "always", "--busy-reply-threshold", "100") as server:
        r = redis.Redis(port=server.port, socket_timeout=20)
        r.set("before", "1")
        runner = Connection(server.port, timeout=20)
        runner.send_raw(encode("EVAL", "redis.call('set', 'during', '1') while true do end", "0"))
        time.sleep(0.5)
        with Connection(server.port) as other:
            other.send_raw(encode("SCRIPT", "KILL"))
            assert other.read_reply()[1].startswith(b"-UNKILLABLE Sorry the script already executed write commands")
            other.send_raw(encode("SHUTDOWN"))             # without NOSAVE: refused
            assert other.read_reply()[1].startswith(b"-BUSY")
            other.send_raw(encode("SHUTDOWN", "NOSAVE"))
        assert server.proc.wait(timeout=20) == 0
        runner.close()
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.get("before") == "1"
        assert r.get("during") is None                     # never acknowledged, never logged
        r.close()
