"""Cairn driven by the clients its users run: redis-cli and redis-py."""
import subprocess

import redis


def cli(port, *args, stdin=None):
    result = subprocess.run(["redis-cli", "-p", str(port), *args], input=stdin, capture_output=True,
                            text=True, timeout=30)
    return result.stdout.strip()


def test_redis_cli_round_trip(cairn):
    assert cli(cairn.port, "PING") == "PONG"
    assert cli(cairn.port, "SET", "greeting", "hello world") == "OK"
    assert cli(cairn.port, "GET", "greeting") == "hello world"
    assert cli(cairn.port, "INCRBY", "n", "41") == "41"
    assert cli(cairn.port, "EXPIRE", "greeting", "100") == "1"
    assert cli(cairn.port, "TTL", "greeting") == "100"
    assert cli(cairn.port, "DBSIZE") == "2"
    assert cli(cairn.port, "NOSUCH") .startswith("ERR unknown command 'NOSUCH'")


def test_redis_cli_interactive_session_and_help(cairn):
    # Interactive mode fetches COMMAND DOCS and uses HELLO-free RESP2; commands from stdin.
    out = cli(cairn.port, stdin="SET a 1\nGET a\nSELECT 3\nSET b 2\nDBSIZE\n")
    assert out.split("\n") == ["OK", "1", "OK", "OK", "1"]


def test_redis_cli_pipe_mode_bulk_loads(cairn):
    lines = "".join(f"SET key:{i} value:{i}\r\n" for i in range(5000))
    result = subprocess.run(["redis-cli", "-p", str(cairn.port), "--pipe"], input=lines, capture_output=True,
                            text=True, timeout=60)
    assert "errors: 0, replies: 5000" in result.stdout
    assert cli(cairn.port, "DBSIZE") == "5000"
    assert cli(cairn.port, "GET", "key:4999") == "value:4999"


def test_redis_cli_scan_and_info(cairn):
    for i in range(3):
        cli(cairn.port, "SET", f"user:{i}", "x")
    subprocess.run(["redis-cli", "-p", str(cairn.port), "--pipe"], timeout=30, capture_output=True, text=True,
                   input="".join(f"SET item:{i} x\r\n" for i in range(300)))
    keys = cli(cairn.port, "--scan", "--pattern", "item:*").split("\n")
    assert sorted(keys) == sorted(f"item:{i}" for i in range(300))
    info = cli(cairn.port, "INFO", "keyspace")
    assert "db0:keys=303,expires=0" in info


def test_redis_py_commands(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True, socket_timeout=10)
    assert r.ping() is True
    assert r.set("k", "v", ex=100) is True
    assert r.get("k") == "v"
    assert 99 <= r.ttl("k") <= 100
    assert r.set("k", "w", nx=True) is None
    assert r.set("k", "w", xx=True, get=True) == "v"
    assert r.incrbyfloat("f", 10.5) == 10.5
    assert r.incrbyfloat("f", 0.1) == 10.6
    assert r.mset({"a": "1", "b": "2"}) is True
    assert r.mget(["a", "b", "zz"]) == ["1", "2", None]
    assert r.exists("a", "b", "zz") == 2
    assert r.delete("a", "zz") == 1
    assert r.type("b") == "string"
    assert r.rename("b", "c") is True
    assert r.copy("c", "d") is True
    assert sorted(r.keys("*")) == ["c", "d", "f", "k"]
    assert sorted(r.scan_iter(match="*", count=2)) == ["c", "d", "f", "k"]
    assert r.getrange("k", 0, 0) == "w"
    assert r.setrange("k", 1, "xyz") == 4
    assert r.append("k", "!") == 5
    assert r.getdel("k") == "wxyz!"
    assert r.config_get("maxclients") == {"maxclients": "10000"}
    assert r.config_set("maxclients", 500) is True
    assert r.config_get("maxclients") == {"maxclients": "500"}
    assert r.client_setname("py-test") is True
    assert r.client_getname() == "py-test"
    assert r.client_id() > 0
    assert any(c["name"] == "py-test" for c in r.client_list())
    info = r.info()
    assert info["redis_version"] == "7.0.0"
    assert info["connected_clients"] >= 1
    assert "db0" in r.info("keyspace")
    assert r.dbsize() == 3
    assert r.flushdb() is True
    assert r.dbsize() == 0
    r.close()


def test_redis_py_pipeline_and_errors(cairn):
    r = redis.Redis(port=cairn.port, socket_timeout=10)
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.incr("counter")
    results = pipe.execute()
    assert results == list(range(1, 2001))
    r.set("s", "abc")
    try:
        r.incr("s")
        raise AssertionError("INCR on a non-number must fail")
    except redis.ResponseError as e:
        assert str(e) == "value is not an integer or out of range"
    assert r.get("counter") == b"2000"
    r.close()


def test_redis_py_databases_are_separate(cairn):
    r0 = redis.Redis(port=cairn.port, db=0, decode_responses=True)
    r5 = redis.Redis(port=cairn.port, db=5, decode_responses=True)
    r0.set("k", "zero")
    r5.set("k", "five")
    assert r0.get("k") == "zero"
    assert r5.get("k") == "five"
    assert r5.info("keyspace") == {"db0": {"keys": 1, "expires": 0, "avg_ttl": 0},
                                   "db5": {"keys": 1, "expires": 0, "avg_ttl": 0}}
    r0.close()
    r5.close()
