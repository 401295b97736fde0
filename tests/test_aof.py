"""The append-only file with the real binary: restarts, Redis's AOF scenarios, moving to
and from Debian's redis-server, and kill -9 under load with appendfsync always."""
import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import redis

from conftest import ServerProcess, cairn_binary, free_port, start_cairn, kill_while_running
from resp import Connection, encode


def incr_file(workdir) -> Path:
    return Path(workdir) / "appendonlydir" / "appendonly.aof.1.incr.aof"


@pytest.mark.parametrize("policy", ["always", "everysec", "no"])
def test_data_survives_a_restart(tmp_path, policy):
    server = start_cairn(tmp_path, "--appendfsync", policy)
    r = redis.Redis(port=server.port, decode_responses=True)
    r.set("plain", "v")
    r.set("ttl", "v", ex=1000)
    r.incrbyfloat("f", 10.5)
    r.incrbyfloat("f", 0.1)
    r.incr("n")
    r.append("s", "ab")
    r.setrange("s", 5, "x")
    r.delete("plain")
    tx = r.pipeline(transaction=True)   # MULTI ... EXEC
    tx.set("tx-a", "1").incrby("tx-n", 5).expire("tx-a", 1000)
    assert tx.execute() == [True, 5, True]
    r3 = redis.Redis(port=server.port, db=3, decode_responses=True)
    r3.set("other-db", "yes")
    r.close()
    r3.close()
    assert server.stop() == 0
    with start_cairn(tmp_path, "--appendfsync", policy) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.get("plain") is None
        assert 990 <= r.ttl("ttl") <= 1000
        assert r.get("f") == "10.6"
        assert r.get("n") == "1"
        assert r.get("s") == "ab\x00\x00\x00x"
        assert (r.get("tx-a"), r.get("tx-n")) == ("1", "5")
        assert 990 <= r.ttl("tx-a") <= 1000
        assert redis.Redis(port=server.port, db=3, decode_responses=True).get("other-db") == "yes"
        info = r.info("persistence")
        assert info["aof_enabled"] == 1
        assert info["aof_last_write_status"] == "ok"
        assert info["cairn_aof_fsync_policy"] == policy
        r.close()


def test_expired_keys_are_logged_as_deletes(tmp_path):
    server = start_cairn(tmp_path)
    r = redis.Redis(port=server.port)
    r.set("k", "v", px=100)
    time.sleep(0.3)
    assert r.get("k") is None
    r.close()
    server.stop()
    data = incr_file(tmp_path).read_bytes()
    assert b"PXAT" in data
    assert encode("DEL", "k") in data


def test_a_torn_tail_loads_with_yes_and_refuses_with_no(tmp_path):
    server = start_cairn(tmp_path)
    r = redis.Redis(port=server.port)
    r.set("a", "1")
    r.set("b", "2")
    r.close()
    server.stop()
    path = incr_file(tmp_path)
    path.write_bytes(path.read_bytes()[:-5])
    refused = subprocess.run([str(cairn_binary()), "--port", str(free_port()), "--aof-load-truncated", "no"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert refused.returncode == 1
    assert "torn write" in refused.stderr and "appendonly.aof.1.incr.aof" in refused.stderr
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.get("a") == "1"
        assert r.get("b") is None
        assert "cut at offset" in server.log()
        # An append after the truncated load survives the next restart.
        r.set("c", "3")
        r.close()
    with start_cairn(tmp_path, "--aof-load-truncated", "no") as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert (r.get("a"), r.get("b"), r.get("c")) == ("1", None, "3")
        r.close()


def test_garbage_followed_by_valid_batches_refuses_to_start(tmp_path):
    server = start_cairn(tmp_path)
    r = redis.Redis(port=server.port)
    for i in range(3):
        r.set(f"k{i}", "v")
    r.close()
    server.stop()
    path = incr_file(tmp_path)
    data = bytearray(path.read_bytes())
    middle = data.index(b"#CAIRN:", data.index(b"#CAIRN:") + 1)
    data[middle + 40] ^= 0xFF
    path.write_bytes(bytes(data))
    result = subprocess.run([str(cairn_binary()), "--port", str(free_port())], cwd=tmp_path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "Bad data in" in result.stderr and "cairn-check-aof" in result.stderr
    assert f"offset {middle}" in result.stderr


def test_an_unfinished_multi_is_rolled_back(tmp_path):
    (tmp_path / "appendonly.aof").write_bytes(
        encode("SELECT", "0") + encode("SET", "before", "1") + encode("MULTI") + encode("SET", "inside", "1"))
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.get("before") == "1"
        assert r.get("inside") is None
        r.close()


def redis_server(workdir, port, *extra):
    return ServerProcess(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir),
                          "--appendonly", "yes", "--aof-use-rdb-preamble", "no", *extra], port, workdir)


def test_redis_loads_cairns_directory_and_cairn_loads_it_back(tmp_path):
    server = start_cairn(tmp_path)
    r = redis.Redis(port=server.port, decode_responses=True)
    r.set("from-cairn", "1")
    r.set("with-ttl", "v", ex=1000)
    r.incrbyfloat("f", 1.5)
    r.hset("h", mapping={"a": "1", "b": "2"})
    r.hincrbyfloat("h", "c", 0.25)
    r.rpush("l", "a", "b", "c", "d")
    r.lpop("l")
    r.lmove("l", "l2", "RIGHT", "LEFT")
    r.lmpop(2, "none", "l", direction="RIGHT", count=1)
    r.pipeline(transaction=True).set("tx-1", "a").set("tx-2", "b").execute()
    r.close()
    server.stop()
    assert b"MULTI" in incr_file(tmp_path).read_bytes()
    with redis_server(tmp_path, free_port()) as theirs:
        r = redis.Redis(port=theirs.port, decode_responses=True)
        assert r.get("from-cairn") == "1"
        assert (r.get("tx-1"), r.get("tx-2")) == ("a", "b")
        assert 990 <= r.ttl("with-ttl") <= 1000
        assert r.get("f") == "1.5"
        assert r.hgetall("h") == {"a": "1", "b": "2", "c": "0.25"}
        assert (r.lrange("l", 0, -1), r.lrange("l2", 0, -1)) == (["b"], ["d"])
        r.set("from-redis", "2")
        r.rpush("l", "from-redis")
        r.close()
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert (r.get("from-cairn"), r.get("from-redis"), r.get("f")) == ("1", "2", "1.5")
        assert r.lrange("l", 0, -1) == ["b", "from-redis"]
        r.close()


def test_cairn_loads_a_redis_7_directory_and_a_single_file_aof(tmp_path):
    theirs = redis_server(tmp_path, free_port())
    r = redis.Redis(port=theirs.port, decode_responses=True)
    r.set("k", "v")
    r.set("t", "v", ex=1000)
    r.incr("n")
    r.close()
    theirs.stop()
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert (r.get("k"), r.get("n")) == ("v", "1")
        assert 990 <= r.ttl("t") <= 1000
        r.close()
    # A Redis 6 style single file in dir, as Redis 7 would upgrade it.
    single = tmp_path / "single"
    single.mkdir()
    (single / "appendonly.aof").write_bytes(
        encode("SELECT", "0") + encode("SET", "old", "style") + encode("INCRBY", "c", "5"))
    with start_cairn(single) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert (r.get("old"), r.get("c")) == ("style", "5")
        assert (single / "appendonlydir" / "appendonly.aof").exists()
        r.close()


def test_config_set_appendfsync_at_runtime(tmp_path):
    with start_cairn(tmp_path, "--appendfsync", "no") as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        r.set("a", "1")
        assert r.config_set("appendfsync", "always")
        assert r.config_get("appendfsync") == {"appendfsync": "always"}
        r.set("b", "2")
        info = r.info("persistence")
        assert info["cairn_aof_fsync_policy"] == "always"
        assert info["cairn_aof_fsyncs"] >= 1
        assert info["cairn_aof_batches_synced"] == info["cairn_aof_batches_written"]
        assert r.config_set("appendfsync-interval", "200ms")
        assert r.config_get("appendfsync-interval") == {"appendfsync-interval": "200ms"}
        with pytest.raises(redis.ResponseError):
            r.config_set("appendfsync", "sometimes")
        r.close()


def test_kill_9_under_load_never_loses_an_acknowledged_write(tmp_path):
    """appendfsync always: clients record every write the server acknowledged; the
    server is killed with SIGKILL at random moments; after each restart every recorded
    write must be there."""
    rng = random.Random(int(os.environ.get("CAIRN_KILL_SEED", "7")))
    acknowledged = {}
    rounds = int(os.environ.get("CAIRN_KILL_ROUNDS", "6"))
    for round_number in range(rounds):
        server = start_cairn(tmp_path, "--appendfsync", "always")
        # Everything acknowledged in earlier rounds survived the kill.
        check = redis.Redis(port=server.port, decode_responses=True)
        keys = list(acknowledged)
        for i in range(0, len(keys), 500):
            batch = keys[i:i + 500]
            assert check.mget(batch) == [acknowledged[k] for k in batch], f"round {round_number}"
        check.close()
        stop = threading.Event()
        lock = threading.Lock()

        def writer(worker):
            client = redis.Redis(port=server.port, socket_timeout=5)
            n = 0
            while not stop.is_set():
                key = f"r{round_number}:w{worker}:{n}"
                try:
                    client.set(key, str(n))
                except (redis.ConnectionError, redis.TimeoutError):
                    return
                with lock:
                    acknowledged[key] = str(n)
                n += 1

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        kill_while_running(server, threads, stop, rng.uniform(0.3, 1.5))
    with start_cairn(tmp_path, "--appendfsync", "always") as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        keys = list(acknowledged)
        assert len(keys) > 100
        for i in range(0, len(keys), 500):
            batch = keys[i:i + 500]
            assert r.mget(batch) == [acknowledged[k] for k in batch]
        r.close()


def write_large_aof(path, keys=300_000):
    """A Redis-format file big enough that loading it takes a while."""
    with open(path, "wb") as f:
        f.write(encode("SELECT", "0"))
        for i in range(keys):
            f.write(encode("SET", f"key:{i}", "v" * 16))


def test_clients_get_loading_while_a_large_file_loads(tmp_path):
    write_large_aof(tmp_path / "appendonly.aof")
    with start_cairn(tmp_path, wait_loaded=False) as server:
        # A raw connection: redis-py retries LOADING by itself, hiding it.
        with Connection(server.port) as c:
            reply = c.call("GET", "key:299999")
            assert reply == "LOADING Cairn is loading the dataset in memory"
            info = c.call("INFO", "persistence").decode()
            assert "loading:1\r\n" in info and "aof_enabled:1\r\n" in info
            assert "loading_loaded_perc:" in info and "loading_total_bytes:" in info
            # As in Redis, PING is not served while loading: a readiness probe must not
            # take "PONG" to mean ready and then meet -LOADING.
            assert c.call("PING") == "LOADING Cairn is loading the dataset in memory"
            assert c.call("ECHO", "up") == b"up"
            deadline = time.monotonic() + 120
            while c.call("GET", "key:299999") != b"v" * 16 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert c.call("DBSIZE") == 300_000
            assert "loading:0\r\n" in c.call("INFO", "persistence").decode()


def test_shutdown_during_loading_exits_cleanly(tmp_path):
    write_large_aof(tmp_path / "appendonly.aof")
    with start_cairn(tmp_path, wait_loaded=False) as server:
        assert server.stop(signal.SIGTERM, timeout=30) == 0
        assert "Loading stopped by a shutdown" in server.log()


def aof_dir_size(workdir):
    return sum(f.stat().st_size for f in (Path(workdir) / "appendonlydir").iterdir())


def wait_rewrite_done(r, timeout=60):
    deadline = time.monotonic() + timeout
    while r.info("persistence")["aof_rewrite_in_progress"] == 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    return r.info("persistence")


def test_bgrewriteaof_shrinks_the_log_and_keeps_data_and_ttls(tmp_path):
    server = start_cairn(tmp_path)
    r = redis.Redis(port=server.port, decode_responses=True)
    expected, ttls = {}, {}
    pipe = r.pipeline(transaction=False)
    for round_number in range(50):
        for k in range(200):
            value = f"value-{round_number}-{k}"
            expire_at = 4_000_000_000_000 + k
            pipe.set(f"key:{k}", value, pxat=expire_at)
            expected[f"key:{k}"], ttls[f"key:{k}"] = value, expire_at
        pipe.execute()
    before = aof_dir_size(tmp_path)
    assert r.bgrewriteaof() is True
    info = wait_rewrite_done(r)
    assert info["aof_last_bgrewrite_status"] == "ok" and info["aof_rewrites"] == 1
    after = aof_dir_size(tmp_path)
    assert after * 10 <= before, f"expected a 90% smaller directory: {before} -> {after} bytes"
    r.set("written-after", "1")
    r.close()
    server.stop()
    names = sorted(p.name for p in (tmp_path / "appendonlydir").iterdir())
    assert names == ["appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        keys = sorted(expected)
        assert r.mget(keys) == [expected[k] for k in keys]
        assert [r.pexpiretime(k) for k in keys] == [ttls[k] for k in keys]
        assert r.get("written-after") == "1"
        assert r.dbsize() == len(expected) + 1
        r.close()


def test_hashes_survive_restarts_and_rewrites_in_commands_of_64_pairs(tmp_path):
    fields = {f"field-{i}": f"value-{i}" for i in range(200)}
    server = start_cairn(tmp_path)
    r = redis.Redis(port=server.port, decode_responses=True)
    r.hset("big", mapping=fields)
    r.hdel("big", "field-7")
    r.hincrby("big", "counter", 41)
    r.pexpireat("big", 4_000_000_000_000)
    r.hset("small", "x", "1")
    expected = r.hgetall("big")
    assert list(expected)[:3] == ["field-0", "field-1", "field-2"] and len(expected) == 200
    assert r.bgrewriteaof()
    assert wait_rewrite_done(r)["aof_last_bgrewrite_status"] == "ok"
    r.hset("small", "y", "2")  # after the rewrite: in the new increment file
    r.close()
    server.stop()
    base = (tmp_path / "appendonlydir" / "appendonly.aof.2.base.aof").read_bytes()
    # 200 pairs: three HSETs of 64 pairs (130 arguments) and one of 8, then the expiry.
    assert base.count(b"*130\r\n$4\r\nHSET\r\n$3\r\nbig\r\n") == 3
    assert base.count(b"*18\r\n$4\r\nHSET\r\n$3\r\nbig\r\n") == 1
    assert b"$9\r\nPEXPIREAT\r\n$3\r\nbig\r\n$13\r\n4000000000000\r\n" in base
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.hgetall("big") == expected
        assert list(r.hgetall("big")) == list(expected)  # field order too
        assert r.pexpiretime("big") == 4_000_000_000_000
        assert r.hgetall("small") == {"x": "1", "y": "2"}
        r.close()
    with redis_server(tmp_path, free_port()) as theirs:
        r = redis.Redis(port=theirs.port, decode_responses=True)
        assert r.hgetall("big") == expected
        assert r.pexpiretime("big") == 4_000_000_000_000
        r.close()


def test_a_second_bgrewriteaof_while_one_runs_is_refused(tmp_path):
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port)
        pipe = r.pipeline(transaction=False)
        for i in range(20000):
            pipe.set(f"k{i}", "v")
        pipe.execute()
        with Connection(server.port) as c:
            c.send_raw(encode("BGREWRITEAOF") + encode("BGREWRITEAOF"))
            assert c.read_reply()[0] == "Background append only file rewriting started"
            assert c.read_reply()[0] == "ERR Background append only file rewriting already in progress"
        wait_rewrite_done(r)
        r.close()


def test_writes_during_a_rewrite_survive(tmp_path):
    server = start_cairn(tmp_path, "--appendfsync", "always")
    r = redis.Redis(port=server.port, decode_responses=True)
    pipe = r.pipeline(transaction=False)
    for i in range(50000):
        pipe.set(f"k{i}", "old")
    pipe.execute()
    assert r.bgrewriteaof()
    for i in range(0, 50000, 7):
        r.set(f"k{i}", "new")
    wait_rewrite_done(r)
    r.close()
    server.stop()
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.dbsize() == 50000
        assert all(r.get(f"k{i}") == "new" for i in range(0, 50000, 7 * 97))
        assert r.get("k1") == "old"
        r.close()


def open_log_files(pid):
    """The files in appendonlydir the process `pid` holds open (deleted ones end in ' (deleted)')."""
    targets = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if "/appendonlydir/" in target:
            targets.append(target.rsplit("/", 1)[1])
    return sorted(targets)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_rewrites_close_the_files_they_replace(tmp_path):
    # The replaced increment files are closed off the event loop once the rewrite deleted
    # them; none may stay open (a leak would keep their disk space until a restart).
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port)
        for round_number in range(3):
            r.mset({f"k{i}": f"v{round_number}" for i in range(1000)})
            assert r.bgrewriteaof()
            assert wait_rewrite_done(r)["aof_last_bgrewrite_status"] == "ok"
        deadline = time.monotonic() + 10
        while open_log_files(server.proc.pid) != ["appendonly.aof.4.incr.aof"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert open_log_files(server.proc.pid) == ["appendonly.aof.4.incr.aof"]
        r.close()


def test_config_set_appendonly_off_and_on_at_runtime(tmp_path):
    server = start_cairn(tmp_path, "--appendonly", "no")
    r = redis.Redis(port=server.port, decode_responses=True)
    try:
        r.set("before", "1")
        r.incr("n")
        assert not (tmp_path / "appendonlydir").exists()
        assert r.config_set("appendonly", "yes")
        assert r.info("persistence")["aof_enabled"] == 1
        r.set("after", "2")
        wait_rewrite_done(r)
        assert r.info("persistence")["aof_rewrites"] == 1
        r.incr("n")
        assert r.config_set("appendonly", "no")
        assert r.info("persistence")["aof_enabled"] == 0
        r.set("not-logged", "3")
        r.close()
    finally:
        server.stop()
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert (r.get("before"), r.get("after"), r.get("n")) == ("1", "2", "2")
        assert r.get("not-logged") is None
        r.close()


def test_automatic_rewrite_on_growth(tmp_path):
    with start_cairn(tmp_path, "--auto-aof-rewrite-min-size", "1mb", "--auto-aof-rewrite-percentage", "100") as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.config_get("auto-aof-rewrite-min-size") == {"auto-aof-rewrite-min-size": "1048576"}
        pipe = r.pipeline(transaction=False)
        for round_number in range(30):
            for k in range(1000):
                pipe.set(f"k{k}", f"{round_number}" * 20)
            pipe.execute()
        deadline = time.monotonic() + 30
        while r.info("persistence")["aof_rewrites"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        info = wait_rewrite_done(r)
        assert info["aof_rewrites"] >= 1 and info["aof_last_bgrewrite_status"] == "ok"
        assert "Starting automatic rewriting of AOF" in server.log()
        assert r.get("k5") == "29" * 20
        r.close()


def test_automatic_rewrite_by_age(tmp_path):
    with start_cairn(tmp_path, "--auto-aof-rewrite-percentage", "0") as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.config_set("auto-aof-rewrite-min-age", "1s")
        assert r.config_get("auto-aof-rewrite-min-age") == {"auto-aof-rewrite-min-age": "1s"}
        r.set("k", "v")
        deadline = time.monotonic() + 15
        while r.info("persistence")["aof_rewrites"] == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert r.info("persistence")["aof_rewrites"] == 1
        # Nothing new written: no further rewrite, however old the log gets.
        time.sleep(1.5)
        assert r.info("persistence")["aof_rewrites"] == 1
        r.close()


def test_writes_in_the_same_turn_as_bgrewriteaof_are_applied_once(tmp_path):
    with start_cairn(tmp_path) as server:
        with Connection(server.port) as c:
            c.send_raw(encode("INCR", "n") + encode("BGREWRITEAOF") + encode("INCR", "n"))
            assert [c.read_reply()[0] for _ in range(3)] == [1, "Background append only file rewriting started", 2]
        r = redis.Redis(port=server.port)
        wait_rewrite_done(r)
        r.close()
    with start_cairn(tmp_path) as server:
        assert redis.Redis(port=server.port).get("n") == b"2"


def test_writes_after_a_rewrite_go_to_the_right_database(tmp_path):
    """The base ends in the last database it wrote; the new increment must start with its
    own SELECT, or writes after the rewrite would replay into that database."""
    with start_cairn(tmp_path) as server:
        r5 = redis.Redis(port=server.port, db=5, decode_responses=True)
        r0 = redis.Redis(port=server.port, db=0, decode_responses=True)
        r5.set("in5", "a")
        r0.set("in0", "b")
        assert r0.bgrewriteaof()
        wait_rewrite_done(r0)
        r0.set("after", "c")
        r5.close()
        r0.close()
    with start_cairn(tmp_path) as server:
        r0 = redis.Redis(port=server.port, db=0, decode_responses=True)
        r5 = redis.Redis(port=server.port, db=5, decode_responses=True)
        assert (r0.get("in0"), r0.get("after")) == ("b", "c")
        assert (r5.get("in5"), r5.get("after")) == ("a", None)
        r0.close()
        r5.close()


def test_lists_survive_restarts_and_rewrites_in_commands_of_64_elements(tmp_path):
    server = start_cairn(tmp_path)
    r = redis.Redis(port=server.port, decode_responses=True)
    r.rpush("big", *[f"e{i}" for i in range(200)])
    r.lpush("big", "head")
    r.lset("big", 5, "five")
    r.pexpireat("big", 4_000_000_000_000)
    r.rpush("small", "x")
    expected = r.lrange("big", 0, -1)
    assert len(expected) == 201
    assert r.bgrewriteaof()
    assert wait_rewrite_done(r)["aof_last_bgrewrite_status"] == "ok"
    r.rpush("small", "y")  # after the rewrite: in the new increment file
    r.close()
    server.stop()
    base = (tmp_path / "appendonlydir" / "appendonly.aof.2.base.aof").read_bytes()
    # 201 elements: three RPUSHes of 64 (66 arguments) and one of 9, then the expiry.
    assert base.count(b"*66\r\n$5\r\nRPUSH\r\n$3\r\nbig\r\n") == 3
    assert base.count(b"*11\r\n$5\r\nRPUSH\r\n$3\r\nbig\r\n") == 1
    assert b"$9\r\nPEXPIREAT\r\n$3\r\nbig\r\n$13\r\n4000000000000\r\n" in base
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.lrange("big", 0, -1) == expected
        assert r.pexpiretime("big") == 4_000_000_000_000
        assert r.lrange("small", 0, -1) == ["x", "y"]
        r.close()
    with redis_server(tmp_path, free_port()) as theirs:
        r = redis.Redis(port=theirs.port, decode_responses=True)
        assert r.lrange("big", 0, -1) == expected
        assert r.type("big") == "list"
        r.close()


def test_sets_survive_restarts_and_rewrites_and_spop_replays_as_what_it_popped(tmp_path):
    server = start_cairn(tmp_path)
    r = redis.Redis(port=server.port, decode_responses=True)
    r.sadd("big", *[f"m{i}" for i in range(150)])
    popped = r.spop("big", 10)
    r.sadd("small", "x", "y")
    r.sunionstore("union", "small", "big")
    expected = r.smembers("big")
    assert len(expected) == 140 and not set(popped) & expected
    r.close()
    server.stop()
    # The log holds the SREM of what was popped, not the SPOP.
    log = incr_file(tmp_path).read_bytes()
    assert b"SPOP" not in log and b"SREM" in log
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.smembers("big") == expected
        assert r.scard("union") == 142
        assert r.bgrewriteaof()
        assert wait_rewrite_done(r)["aof_last_bgrewrite_status"] == "ok"
        r.close()
    base = (tmp_path / "appendonlydir" / "appendonly.aof.2.base.aof").read_bytes()
    # 140 members: two SADDs of 64 (66 arguments) and one of 12.
    assert base.count(b"*66\r\n$4\r\nSADD\r\n$3\r\nbig\r\n") == 2
    assert base.count(b"*14\r\n$4\r\nSADD\r\n$3\r\nbig\r\n") == 1
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.smembers("big") == expected and r.smembers("small") == {"x", "y"}
        r.close()
    with redis_server(tmp_path, free_port()) as theirs:
        r = redis.Redis(port=theirs.port, decode_responses=True)
        assert r.smembers("big") == expected
        assert r.type("union") == "set" and r.scard("union") == 142
        r.close()


def test_sorted_sets_survive_restarts_and_rewrites_with_exact_scores(tmp_path):
    server = start_cairn(tmp_path)
    r = redis.Redis(port=server.port, decode_responses=True)
    r.zadd("board", {f"p{i}": i * 1.1 for i in range(100)})
    r.zincrby("board", 0.1, "p7")      # logged as the ZADD of its result, to the last bit
    r.zadd("board", {"inf": float("inf"), "ninf": float("-inf")})
    r.zpopmin("board", 2)
    r.pexpireat("board", 4_000_000_000_000)
    expected = r.zrange("board", 0, -1, withscores=True)
    assert len(expected) == 100
    assert r.bgrewriteaof()
    assert wait_rewrite_done(r)["aof_last_bgrewrite_status"] == "ok"
    r.zadd("board", {"late": 5})
    expected_after = r.zrange("board", 0, -1, withscores=True)
    r.close()
    server.stop()
    base = (tmp_path / "appendonlydir" / "appendonly.aof.2.base.aof").read_bytes()
    # 100 members: one ZADD of 64 pairs (130 arguments) and one of 36 (74), then the expiry.
    assert base.count(b"*130\r\n$4\r\nZADD\r\n$5\r\nboard\r\n") == 1
    assert base.count(b"*74\r\n$4\r\nZADD\r\n$5\r\nboard\r\n") == 1
    assert b"$3\r\ninf\r\n$3\r\ninf\r\n" in base
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.zrange("board", 0, -1, withscores=True) == expected_after
        assert r.pexpiretime("board") == 4_000_000_000_000
        r.close()
    with redis_server(tmp_path, free_port()) as theirs:
        r = redis.Redis(port=theirs.port, decode_responses=True)
        assert r.zrange("board", 0, -1, withscores=True) == expected_after
        assert r.zscore("board", "p7") == expected_after[[m for m, _ in expected_after].index("p7")][1]
        r.close()


def test_sort_store_is_logged_as_the_list_it_stored(tmp_path):
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        r.rpush("ids", *range(1, 101))
        r.mset({f"w_{i}": (i * 37) % 101 for i in range(1, 101)})
        r.hset("obj_7", "name", "seven")
        assert r.sort("ids", by="w_*", get=["#", "obj_*->name"], store="sorted") == 200
        by_weight = sorted(range(1, 101), key=lambda i: (i * 37) % 101)
        assert r.lrange("sorted", 0, -1)[::2] == [str(i) for i in by_weight]
        assert r.lrange("sorted", 0, -1)[1::2] == ["seven" if i == 7 else "" for i in by_weight]
        # Changing the weights afterwards must not change what replay rebuilds.
        r.flushdb()
        r.rpush("ids", 3, 1, 2)
        r.sort("ids", store="sorted")
        r.sort("ids", by="w_*", get=["#", "obj_*->name"], store="sorted")  # weights gone: 0 each
        expected = r.lrange("sorted", 0, -1)
        assert expected == ["1", "", "2", "", "3", ""]
        r.sort("nokey", store="gone")
        r.close()
    log = incr_file(tmp_path).read_bytes()
    assert b"SORT" not in log and b"RPUSH" in log
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.lrange("sorted", 0, -1) == expected
        assert not r.exists("gone")
        r.close()
