"""The slow log against Debian's redis-server: what is logged (commands inside MULTI and
scripts, not EXEC), how arguments are cut (32 at most, 128 bytes each) and which are
redacted (AUTH, HELLO AUTH, ACL SETUSER, CONFIG SET requirepass), SLOWLOG's replies and
errors, slowlog-max-len."""
import redis

from resp import Connection, encode, raw_replies

SEQUENCE = [
    ["CONFIG", "SET", "slowlog-log-slower-than", "0"], ["SLOWLOG", "RESET"],
    ["SET", "a", "x" * 200], ["AUTH", "x"], ["HELLO", "2", "AUTH", "default", "pw"],
    ["ACL", "SETUSER", "zz", ">secret", "on"], ["CONFIG", "SET", "requirepass", ""],
    ["RPUSH", "l"] + [str(i) for i in range(40)], ["MULTI"], ["INCR", "n"], ["EXEC"],
    ["EVAL", "return redis.call('get','a')", "0"], ["CLIENT", "SETNAME", "me"], ["GET", "a"],
]


def entries(port):
    raw_replies(port, SEQUENCE)
    r = redis.Redis(port=port, decode_responses=True)
    got = r.execute_command("SLOWLOG", "GET", "-1")
    # The id, the arguments, the client's name, and whether an address is given (the
    # port differs); time and duration vary.
    return [(e[0], e[3], e[4].rsplit(":", 1)[0], e[5]) for e in got], r


def test_slowlog_entries_as_redis(cairn, redis_server):
    mine, r = entries(cairn.port)
    theirs, _ = entries(redis_server.port)
    assert mine == theirs
    names = [e[1][0] for e in mine]
    assert names[names.index("GET"):][:4] == ["GET", "CLIENT", "EVAL", "get"]   # a script's commands before it
    assert all("secret" not in " ".join(e[1]) and "pw" not in e[1] for e in mine)
    for e in r.execute_command("SLOWLOG", "GET", "2"):
        assert e[1] > 1_700_000_000 and e[2] >= 0


ERRORS = [
    ["SLOWLOG", "GET", "-2"], ["SLOWLOG", "GET", "x"], ["SLOWLOG", "GET", "-9223372036854775808"],
    ["SLOWLOG", "GET", "99999999999999999999"], ["SLOWLOG", "GET", "9223372036854775807"],
    ["CONFIG", "SET", "slowlog-max-len", "9223372036854775808"], ["SLOWLOG", "GET", "1", "2"], ["SLOWLOG", "NOSUCH"],
    ["SLOWLOG"], ["SLOWLOG", "HELP"], ["SLOWLOG", "LEN", "x"],
    ["CONFIG", "GET", "slowlog-max-len"], ["CONFIG", "GET", "slowlog-log-slower-than"],
    ["CONFIG", "SET", "slowlog-max-len", "-1"], ["CONFIG", "SET", "slowlog-log-slower-than", "x"],
    ["CONFIG", "SET", "slowlog-log-slower-than", "-1"], ["SLOWLOG", "RESET"], ["GET", "a"], ["SLOWLOG", "LEN"],
    ["CONFIG", "SET", "slowlog-log-slower-than", "0"], ["CONFIG", "SET", "slowlog-max-len", "2"],
    ["PING"], ["PING"], ["PING"], ["SLOWLOG", "LEN"], ["CONFIG", "SET", "slowlog-max-len", "0"], ["PING"], ["SLOWLOG", "LEN"],
]


def test_slowlog_commands_reply_as_redis(cairn, redis_server):
    assert raw_replies(cairn.port, ERRORS) == raw_replies(redis_server.port, ERRORS)


def test_slow_commands_only_by_default(cairn):
    r = redis.Redis(port=cairn.port)
    r.slowlog_reset()
    for i in range(1000):
        r.set(f"k{i}", "v")
    assert r.slowlog_len() <= 5          # 10 ms is a long time for a SET
    r.eval("local i = 0 while i < 20000000 do i = i + 1 end return i", 0)
    slow = r.slowlog_get(1)[0]
    assert slow["command"].startswith(b"EVAL") and slow["duration"] >= 10_000
