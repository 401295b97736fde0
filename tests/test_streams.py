"""Streams against Debian's redis-server: the same commands, byte-identical replies;
durability of stream writes through restarts and rewrites, and Redis loading the result."""
import time
from pathlib import Path

import pytest
import redis

from conftest import ServerProcess, free_port, start_cairn
from resp import assert_same_replies, encode


CASES = {
    "xadd-ids": [
        ["XADD", "s", "1-1", "a"], ["XADD", "s", "0-0", "a", "1"], ["XADD", "s", "1-1", "a", "1"],
        ["XADD", "s", "1-1", "a", "1"], ["XADD", "s", "1-0", "a", "1"], ["XADD", "s", "abc", "a", "1"],
        ["XADD", "s", "1-*", "a", "1"], ["XADD", "s", "2-*", "a", "1"], ["XADD", "s", "2-*", "b", "2", "c", "3"],
        ["XADD", "s", "1-*", "a", "1"], ["XADD", "s", "5", "a", "1"], ["XADD", "s", "5", "a", "1"],
        ["XADD", "s", "-1", "a", "1"], ["XADD", "s", "5-", "a", "1"], ["XADD", "s", "18446744073709551616-0", "a", "1"],
        ["XADD", "s", "5-18446744073709551615", "a", "1"], ["XADD", "s", "5-*", "a", "1"],
        ["XADD", "s", "18446744073709551615-18446744073709551615", "a", "1"], ["XADD", "s", "18446744073709551615-*", "a", "1"],
        ["XLEN", "s"], ["XRANGE", "s", "-", "+"],
        ["XADD", "t", "NOMKSTREAM", "1-1", "a", "1"], ["EXISTS", "t"], ["XADD", "t", "nomkstream", "maxlen", "1", "1-1", "a", "1"],
        ["XADD", "s", "100-0"], ["XADD", "s", "100-0", "a"], ["LPUSH", "s", "x"], ["XLEN", "nothing"],
        ["SET", "str", "v"], ["XADD", "str", "1-1", "a", "1"], ["XLEN", "str"], ["XRANGE", "str", "-", "+"],
        ["TYPE", "s"], ["OBJECT", "ENCODING", "s"],
    ],
    "xadd-trimming": [
        *[["XADD", "q", f"{i}-0", "f", str(i)] for i in range(1, 251)],
        ["XLEN", "q"], ["XADD", "q", "MAXLEN", "200", "251-0", "f", "v"], ["XLEN", "q"],
        ["XADD", "q", "MAXLEN", "=", "150", "252-0", "f", "v"], ["XLEN", "q"],
        ["XADD", "q", "MINID", "120", "253-0", "f", "v"], ["XLEN", "q"], ["XRANGE", "q", "-", "+", "COUNT", "2"],
        ["XADD", "q", "MAXLEN", "-1", "254-0", "f", "v"], ["XADD", "q", "LIMIT", "10", "254-0", "f", "v"],
        ["XADD", "q", "MAXLEN", "10", "LIMIT", "10", "254-0", "f", "v"], ["XADD", "q", "MAXLEN", "x", "254-0", "f", "v"],
        ["XADD", "q", "MINID", "abc", "254-0", "f", "v"], ["XADD", "q", "MAXLEN", "1", "MINID", "1", "254-0", "f", "v"],
        ["XADD", "q", "MAXLEN", "~", "10", "LIMIT", "-1", "254-0", "f", "v"],
        ["XTRIM", "q", "MAXLEN", "100"], ["XLEN", "q"], ["XTRIM", "q", "MAXLEN", "=", "90"], ["XTRIM", "q", "MINID", "200"],
        ["XLEN", "q"], ["XTRIM", "q"], ["XTRIM", "q", "bogus", "1"], ["XTRIM", "q", "MAXLEN", "1", "LIMIT", "5"],
        ["XTRIM", "q", "MAXLEN", "~", "0", "LIMIT", "0"], ["XLEN", "q"], ["XTRIM", "nothing", "MAXLEN", "0"],
        ["XTRIM", "str", "MAXLEN", "0"], ["SET", "str", "v"], ["XTRIM", "q", "MAXLEN", "0"], ["XLEN", "q"], ["EXISTS", "q"],
        ["XRANGE", "q", "-", "+"],
        ["XADD", "b", "MAXLEN", "9223372036854775807", "1-1", "f", "v"], ["XADD", "b", "MAXLEN", "9223372036854775808", "2-1", "f", "v"],
        ["XADD", "b", "MAXLEN", "-9223372036854775808", "2-1", "f", "v"], ["XADD", "b", "MAXLEN", "~", "1", "LIMIT", "9223372036854775807", "2-1", "f", "v"],
        ["XADD", "b", "MINID", "18446744073709551615-18446744073709551615", "3-1", "f", "v"], ["XLEN", "b"],
        ["XADD", "b", "4-18446744073709551615", "f", "v"], ["XADD", "b", "4-*", "f", "v"], ["XADD", "b", "5-*", "f", "v"],
        ["XTRIM", "b", "MAXLEN", "-1"], ["XTRIM", "b", "MAXLEN", "~", "9223372036854775807"],
    ],
    "ranges": [
        *[["XADD", "r", f"{ms}-{seq}", "k", f"{ms}.{seq}"] for ms in range(1, 30) for seq in range(3)],
        ["XRANGE", "r", "-", "+", "COUNT", "5"], ["XREVRANGE", "r", "+", "-", "COUNT", "5"],
        ["XRANGE", "r", "(1-1", "+", "COUNT", "3"], ["XRANGE", "r", "-", "(5", "COUNT", "3"], ["XRANGE", "r", "(-", "+"],
        ["XRANGE", "r", "-", "(+"], ["XRANGE", "r", "3", "4"], ["XREVRANGE", "r", "4", "3"], ["XRANGE", "r", "4", "3"],
        ["XRANGE", "r", "-", "+", "COUNT", "-1"], ["XRANGE", "r", "-", "+", "COUNT", "0"], ["XRANGE", "r", "-", "+", "COUNT", "x"],
        ["XRANGE", "r", "-", "+", "COUNT"], ["XRANGE", "r", "-", "+", "BOGUS", "1"], ["XRANGE", "r", "abc", "+"],
        ["XRANGE", "r", "(18446744073709551615-18446744073709551615", "+"], ["XRANGE", "r", "-", "(0-0"],
        ["XREVRANGE", "r", "(29-2", "(28-0"], ["XRANGE", "nothing", "-", "+"], ["XRANGE", "r", "10-1", "10-1"],
        ["XRANGE", "nothing", "-", "+", "COUNT", "0"], ["XRANGE", "r", "-", "+", "COUNT", "9223372036854775807"],
        ["XRANGE", "r", "-", "+", "COUNT", "-9223372036854775808"], ["XRANGE", "r", "-", "+", "COUNT", "9223372036854775808"],
        ["XREVRANGE", "r", "+", "-", "COUNT", "1"], ["SET", "sk", "v"], ["XRANGE", "sk", "-", "+", "COUNT", "0"],
        ["XREVRANGE", "sk", "+", "-"], ["XRANGE", "r", "(29-2", "+"], ["XREVRANGE", "r", "(1-0", "-"],
    ],
    "xdel-xsetid": [
        *[["XADD", "d", f"{i}-0", "f", str(i)] for i in range(1, 8)],
        ["XDEL", "d", "1-0", "9-9", "3-0"], ["XDEL", "d", "abc"], ["XDEL", "d", "1-0"], ["XLEN", "d"], ["XRANGE", "d", "-", "+"],
        ["XDEL", "nothing", "1-0"], ["XDEL", "nothing", "abc"], ["XTRIM", "nothing", "bogus"], ["XDEL", "sk2", "abc"],
        ["SET", "sk2", "v"], ["XDEL", "sk2", "abc"], ["XTRIM", "sk2", "bogus"], ["XSETID", "d", "1-0"], ["XSETID", "d", "99-0"], ["XADD", "d", "50-0", "f", "v"],
        ["XADD", "d", "*", "f", "v"] if False else ["XADD", "d", "99-*", "f", "v"], ["XSETID", "nothing", "1-0"],
        ["XSETID", "d", "200-0", "ENTRIESADDED", "1"], ["XSETID", "d", "200-0", "ENTRIESADDED", "100", "MAXDELETEDID", "300-0"],
        ["XSETID", "d", "200-0", "ENTRIESADDED", "100", "MAXDELETEDID", "5-0"], ["XSETID", "d", "200-0", "ENTRIESADDED", "-1"],
        ["XSETID", "d", "200-0", "BOGUS", "1"], ["XSETID", "d", "200-0", "ENTRIESADDED", "9223372036854775807"],
        ["XSETID", "d", "200-0", "ENTRIESADDED", "9223372036854775808"], ["XSETID", "d", "200-0", "MAXDELETEDID", "18446744073709551616-0"], ["XSETID", "d", "200-0", "ENTRIESADDED"], ["XSETID", "d", "abc"],
        ["XADD", "d", "200-0", "f", "v"], ["XADD", "d", "200-*", "f", "v"], ["XTRIM", "d", "MAXLEN", "0"],
        ["XSETID", "d", "1-0"], ["XADD", "d", "2-0", "f", "v"], ["XLEN", "d"],
        ["MULTI"], ["XADD", "m", "1-1", "a", "b"], ["XLEN", "m"], ["EXEC"],
        ["EVAL", "return redis.call('xrange', KEYS[1], '-', '+')", "1", "d"],
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_streams_reply_as_redis(cairn, redis_server, name):
    assert_same_replies(cairn.port, redis_server.port, CASES[name])


def test_xadd_star_ids_are_time_based_and_logged_as_given(tmp_path):
    with start_cairn(tmp_path, "--appendfsync", "always") as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        ids = [r.xadd("events", {"n": i}) for i in range(5)]
        ms = [int(i.split("-")[0]) for i in ids]
        assert ms == sorted(ms) and abs(ms[0] - time.time() * 1000) < 5000
        assert len(set(ids)) == 5
        r.xadd("events", {"n": "trimmed"}, maxlen=3, approximate=False)
        r.xadd("capped", {"n": 1}, id="5-*")
        r.xdel("events", ids[3])
        before = (r.xrange("events"), r.xrange("capped"), r.xlen("events"))
        r.close()
    data = (tmp_path / "appendonlydir" / "appendonly.aof.1.incr.aof").read_bytes()
    assert encode("XADD", "events", ids[0], "n", "0") in data          # the ID, never `*`
    assert encode("XTRIM", "events", "MAXLEN", "=", "3") in data
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert (r.xrange("events"), r.xrange("capped"), r.xlen("events")) == before
        r.bgrewriteaof()
        deadline = time.monotonic() + 30
        while r.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < deadline:
            time.sleep(0.05)
        r.xadd("capped", {"after": "rewrite"}, id="6-0")
        before = (r.xrange("events"), r.xrange("capped"), r.xlen("events"))
        r.close()
    base = next((tmp_path / "appendonlydir").glob("*.base.aof")).read_bytes()
    assert b"XSETID" in base
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert (r.xrange("events"), r.xrange("capped"), r.xlen("events")) == before
        r.close()
    port = free_port()
    with ServerProcess(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path),
                        "--appendonly", "yes", "--aof-use-rdb-preamble", "no"], port, tmp_path):
        r = redis.Redis(port=port, decode_responses=True)
        assert (r.xrange("events"), r.xrange("capped"), r.xlen("events")) == before
        r.close()


def test_an_emptied_stream_survives_a_rewrite_with_its_last_id(tmp_path):
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        r.xadd("e", {"a": 1}, id="7-3")
        r.xtrim("e", maxlen=0, approximate=False)
        r.bgrewriteaof()
        deadline = time.monotonic() + 30
        while r.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < deadline:
            time.sleep(0.05)
        r.close()
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.exists("e") == 1 and r.xlen("e") == 0
        with pytest.raises(redis.ResponseError, match="equal or smaller"):
            r.xadd("e", {"a": 1}, id="7-3")
        assert r.xadd("e", {"a": 1}, id="7-*") == "7-4"
        r.close()
