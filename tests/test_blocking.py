"""Blocking pops end to end, with redis-py and raw sockets: parking, wake-up by another
client's write, FIFO fairness, timeouts, BLMOVE chains, disconnects, CLIENT UNBLOCK,
transactions, the log and kill -9 under appendfsync always."""
import os
import random
import signal
import socket
import threading
import time

import pytest
import redis

from conftest import start_cairn, kill_while_running
from resp import Connection, encode


def blocked_count(r):
    return r.info("clients")["blocked_clients"]


def wait_blocked(r, n, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if blocked_count(r) == n:
            return
        time.sleep(0.01)
    raise AssertionError(f"expected {n} blocked clients, have {blocked_count(r)}")


class Waiter(threading.Thread):
    """Runs one blocking call on its own connection and keeps what it returned."""

    def __init__(self, port, call):
        super().__init__(daemon=True)
        self.client = redis.Redis(port=port, decode_responses=True, socket_timeout=10)
        self.call = call
        self.result = None
        self.error = None

    def run(self):
        try:
            self.result = self.call(self.client)
        except Exception as e:  # the test inspects it
            self.error = e
        finally:
            self.client.close()


def test_a_push_from_another_client_wakes_blpop(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    w = Waiter(cairn.port, lambda c: c.blpop(["q:empty", "q:main"], timeout=5))
    w.start()
    wait_blocked(r, 1)
    assert r.rpush("q:main", "job1", "job2") == 2
    w.join(5)
    assert w.result == ("q:main", "job1")
    assert r.lrange("q:main", 0, -1) == ["job2"]
    assert blocked_count(r) == 0
    r.close()


def test_waiters_are_served_first_come_first_served(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    waiters = []
    for i in range(3):
        w = Waiter(cairn.port, lambda c: c.brpop(["fifo"], timeout=5))
        w.start()
        wait_blocked(r, i + 1)
        waiters.append(w)
    # One push of three: each waiter gets one, in arrival order, from the tail.
    r.rpush("fifo", "a", "b", "c")
    for w in waiters:
        w.join(5)
    assert [w.result for w in waiters] == [("fifo", "c"), ("fifo", "b"), ("fifo", "a")]
    assert not r.exists("fifo")
    r.close()


def test_a_waiter_not_served_keeps_its_place(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    first = Waiter(cairn.port, lambda c: c.blpop(["place"], timeout=5))
    first.start()
    wait_blocked(r, 1)
    second = Waiter(cairn.port, lambda c: c.blpop(["place"], timeout=5))
    second.start()
    wait_blocked(r, 2)
    r.rpush("place", "one")
    first.join(5)
    assert first.result == ("place", "one") and blocked_count(r) == 1
    r.rpush("place", "two")
    second.join(5)
    assert second.result == ("place", "two")
    r.close()


def test_timeouts_are_fractional_and_zero_waits_for_ever(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    started = time.monotonic()
    assert r.blpop(["nothing"], timeout=0.25) is None
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 2.0
    assert r.bzpopmin(["nothing"], timeout=0.1) is None
    assert r.blmove("nothing", "dst", 0.1, "LEFT", "RIGHT") is None
    forever = Waiter(cairn.port, lambda c: c.blpop(["later"], timeout=0))
    forever.start()
    wait_blocked(r, 1)
    time.sleep(0.5)
    assert forever.is_alive()
    r.lpush("later", "x")
    forever.join(5)
    assert forever.result == ("later", "x")
    r.close()


def test_blmove_chains_hand_an_element_along(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    a = Waiter(cairn.port, lambda c: c.blmove("chain:1", "chain:2", 5, "LEFT", "RIGHT"))
    a.start()
    wait_blocked(r, 1)
    b = Waiter(cairn.port, lambda c: c.blmove("chain:2", "chain:3", 5, "LEFT", "RIGHT"))
    b.start()
    wait_blocked(r, 2)
    c = Waiter(cairn.port, lambda cl: cl.brpoplpush("chain:3", "chain:4", 5))
    c.start()
    wait_blocked(r, 3)
    r.rpush("chain:1", "token")
    for w in (a, b, c):
        w.join(5)
    assert (a.result, b.result, c.result) == ("token", "token", "token")
    assert [r.exists(f"chain:{i}") for i in (1, 2, 3)] == [0, 0, 0]
    assert r.lrange("chain:4", 0, -1) == ["token"]
    r.close()


def test_sorted_set_and_multi_key_pops_wake_up(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    z = Waiter(cairn.port, lambda c: c.bzpopmax(["z:a", "z:b"], timeout=5))
    z.start()
    wait_blocked(r, 1)
    r.zadd("z:b", {"low": 1, "high": 2})
    z.join(5)
    assert z.result == ("z:b", "high", 2.0)
    m = Waiter(cairn.port, lambda c: c.execute_command("BLMPOP", 5, 2, "l:a", "l:b", "RIGHT", "COUNT", 2))
    m.start()
    wait_blocked(r, 1)
    r.rpush("l:b", "1", "2", "3")
    m.join(5)
    assert m.result == ["l:b", ["3", "2"]]
    zm = Waiter(cairn.port, lambda c: c.execute_command("BZMPOP", 5, 1, "z:c", "MIN", "COUNT", 5))
    zm.start()
    wait_blocked(r, 1)
    r.zadd("z:c", {"a": 1, "b": 2})
    zm.join(5)
    key, entries = zm.result
    assert key == "z:c" and [[m, float(s)] for m, s in entries] == [["a", 1.0], ["b", 2.0]]
    r.close()


def test_a_client_that_disconnects_while_blocked_stops_waiting(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    with Connection(cairn.port) as c:
        c.send_raw(encode("BLPOP", "gone", "0"))
        wait_blocked(r, 1)
    wait_blocked(r, 0)
    r.rpush("gone", "kept")
    assert r.lrange("gone", 0, -1) == ["kept"]
    r.close()


def test_requests_sent_while_blocked_wait_and_then_run_in_order(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    with Connection(cairn.port) as c:
        c.send_raw(encode("BLPOP", "pipe", "0") + encode("SET", "after", "1") + encode("GET", "after"))
        wait_blocked(r, 1)
        assert r.get("after") is None  # not run while its sender is parked
        r.rpush("pipe", "v")
        assert c.read_reply()[0] == [b"pipe", b"v"]
        assert c.read_reply()[0] == "OK"
        assert c.read_reply()[0] == b"1"
    r.close()


def test_client_unblock_with_timeout_or_error(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    with Connection(cairn.port) as c:
        c.send_raw(encode("CLIENT", "ID"))
        (client_id, _) = c.read_reply()
        c.send_raw(encode("BLPOP", "never", "0"))
        wait_blocked(r, 1)
        assert "flags=b" in r.execute_command("CLIENT", "LIST", "ID", client_id)
        assert r.execute_command("CLIENT", "UNBLOCK", client_id) == 1
        assert c.read_reply()[1] == b"*-1\r\n"
        c.send_raw(encode("BLMOVE", "never", "dst", "LEFT", "LEFT", "0"))
        wait_blocked(r, 1)
        assert r.execute_command("CLIENT", "UNBLOCK", client_id, "ERROR") == 1
        assert c.read_reply()[1] == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
        assert r.execute_command("CLIENT", "UNBLOCK", client_id) == 0
    r.close()


def test_inside_a_transaction_blocking_pops_answer_at_once(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    waiter = Waiter(cairn.port, lambda c: c.blpop(["tx"], timeout=1))
    waiter.start()
    wait_blocked(r, 1)
    # A transaction that pushes and pops the same element leaves nothing for the waiter,
    # and its own BLPOP on an empty key does not block.
    pipe = r.pipeline(transaction=True)
    pipe.rpush("tx", "x").lpop("tx").blpop(["tx"], timeout=0)
    assert pipe.execute() == [1, "x", None]
    waiter.join(5)
    assert waiter.result is None  # timed out: the key was empty after EXEC
    r.close()


def test_resp3_timeout_is_a_null(cairn):
    with Connection(cairn.port) as c:
        c.send_raw(encode("HELLO", "3"))
        c.read_reply()
        c.send_raw(encode("BLPOP", "nothing", "0.05"))
        assert c.read_reply()[1] == b"_\r\n"
        c.send_raw(encode("BLMOVE", "nothing", "x", "LEFT", "LEFT", "0.05"))
        assert c.read_reply()[1] == b"_\r\n"
    with Connection(cairn.port) as c:
        # RESP2: a null array on timeout, even for BLMOVE (Redis 7.0), a null bulk in MULTI.
        c.send_raw(encode("BLMOVE", "nothing", "x", "LEFT", "LEFT", "0.05"))
        assert c.read_reply()[1] == b"*-1\r\n"
        c.send_raw(encode("MULTI") + encode("BLMOVE", "nothing", "x", "LEFT", "LEFT", "0") + encode("EXEC"))
        replies = [c.read_reply()[1] for _ in range(3)]
        assert replies[2] == b"*1\r\n$-1\r\n"


def test_served_pops_are_logged_as_plain_pops_and_survive_kill_9(tmp_path):
    """appendfsync always: consumers record every element a served BLPOP acknowledged;
    SIGKILL at a random moment; after restart no acknowledged pop is back in the list and
    every acknowledged push is either in the list or was popped."""
    rng = random.Random(int(os.environ.get("CAIRN_KILL_SEED", "11")))
    server = start_cairn(tmp_path, "--appendfsync", "always")
    stop = threading.Event()
    popped, pushed, lock = [], [], threading.Lock()

    def consumer():
        c = redis.Redis(port=server.port, decode_responses=True, socket_timeout=5)
        while not stop.is_set():
            try:
                item = c.blpop(["work"], timeout=0.2)
            except (redis.ConnectionError, redis.TimeoutError):
                return
            if item:
                with lock:
                    popped.append(item[1])

    def producer():
        c = redis.Redis(port=server.port, decode_responses=True, socket_timeout=5)
        n = 0
        while not stop.is_set():
            try:
                c.rpush("work", f"item{n}")
            except (redis.ConnectionError, redis.TimeoutError):
                return
            with lock:
                pushed.append(f"item{n}")
            n += 1
            time.sleep(0.001)

    threads = [threading.Thread(target=consumer) for _ in range(4)] + [threading.Thread(target=producer)]
    kill_while_running(server, threads, stop, rng.uniform(0.8, 1.6))
    log = b"".join(p.read_bytes() for p in (tmp_path / "appendonlydir").glob("*.incr.aof"))
    assert b"BLPOP" not in log.upper() and b"LPOP" in log
    assert len(popped) > 20
    with start_cairn(tmp_path, "--appendfsync", "always") as restarted:
        r = redis.Redis(port=restarted.port, decode_responses=True)
        remaining = r.lrange("work", 0, -1)
        assert not set(popped) & set(remaining)
        # A pop the server made durable but whose reply the kill cut off is gone from the
        # list without being recorded: at most one per consumer.
        assert len(set(pushed) - set(remaining) - set(popped)) <= 4
        r.close()


def test_client_pause_write_postpones_writes_until_unpause(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    r.set("p:k", "before")
    assert r.execute_command("CLIENT", "PAUSE", 100000, "WRITE") == "OK"
    with Connection(cairn.port) as c:
        c.send_raw(encode("GET", "p:k"))
        assert c.read_reply()[0] == b"before"          # reads go on
        c.send_raw(encode("SET", "p:k", "after") + encode("GET", "p:k"))
        wait_blocked(r, 1)                              # the write waits, and what follows it
        assert r.get("p:k") == "before"
        c.send_raw(encode("PING"))
        r.execute_command("CLIENT", "UNPAUSE")
        assert c.read_reply()[0] == "OK"
        assert c.read_reply()[0] == b"after"
        assert c.read_reply()[0] == "PONG"
    # A transaction that writes waits at EXEC; one that only reads does not.
    r.execute_command("CLIENT", "PAUSE", 100000, "WRITE")
    with Connection(cairn.port) as c:
        c.send_raw(encode("MULTI") + encode("GET", "p:k") + encode("EXEC"))
        assert [c.read_reply()[0] for _ in range(3)] == ["OK", "QUEUED", [b"after"]]
        c.send_raw(encode("MULTI") + encode("INCR", "p:n") + encode("EXEC"))
        assert [c.read_reply()[0] for _ in range(2)] == ["OK", "QUEUED"]
        wait_blocked(r, 1)
        r.execute_command("CLIENT", "UNPAUSE")
        assert c.read_reply()[0] == [1]
    r.close()


def test_client_pause_all_holds_every_command_until_it_ends(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    with Connection(cairn.port) as c, Connection(cairn.port) as admin:
        started = time.monotonic()
        c.send_raw(encode("CLIENT", "PAUSE", "400", "ALL") + encode("GET", "p:x"))
        assert c.read_reply()[0] == "OK"
        admin.send_raw(encode("CLIENT", "UNPAUSE"))     # waits too, as in Redis
        assert c.read_reply()[0] is None
        assert admin.read_reply()[0] == "OK"
        assert time.monotonic() - started >= 0.35
    for value, error in (("-1", "timeout is negative"), ("x", "timeout is not an integer or out of range")):
        with pytest.raises(redis.ResponseError, match=error):
            r.execute_command("CLIENT", "PAUSE", value)
    with pytest.raises(redis.ResponseError, match="mode must be WRITE or ALL"):
        r.execute_command("CLIENT", "PAUSE", 10, "SOME")
    r.close()


def test_expired_keys_stand_still_during_a_pause_as_in_redis(cairn, redis_server):
    """SET with a short TTL, pause writes, let it expire: reads answer it absent but it stays
    (DBSIZE), and after UNPAUSE the next read removes it — the same on both servers."""
    answers = {}
    for name, port in (("cairn", cairn.port), ("redis", redis_server.port)):
        r = redis.Redis(port=port, decode_responses=True)
        r.flushall()
        r.set("pk", "v", px=100)
        r.execute_command("CLIENT", "PAUSE", 5000, "WRITE")
        time.sleep(0.3)
        during = (r.get("pk"), r.dbsize(), r.exists("pk"))
        r.execute_command("CLIENT", "UNPAUSE")
        after = (r.get("pk"), r.dbsize())
        answers[name] = (during, after)
        r.close()
    assert answers["cairn"] == answers["redis"] == ((None, 1, 0), (None, 0))
