"""Pub/sub end to end with redis-py's PubSub object (RESP2) and a raw RESP3 connection."""
import socket
import time

import redis

from resp import Connection, encode


def next_message(pubsub, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None:
            return message
    raise AssertionError("no message arrived")


def test_redis_py_pubsub_channels_patterns_and_counts(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    p = r.pubsub()
    p.subscribe("orders", "audit")
    p.psubscribe("user:*")
    confirmations = [next_message(p) for _ in range(3)]
    assert [(m["type"], m["channel"], m["data"]) for m in confirmations] == [
        ("subscribe", "orders", 1), ("subscribe", "audit", 2), ("psubscribe", "user:*", 3)]
    assert r.publish("orders", "o-1") == 1
    assert r.publish("user:42", "login") == 1
    assert r.publish("nobody", "x") == 0
    m1, m2 = next_message(p), next_message(p)
    assert (m1["type"], m1["channel"], m1["data"]) == ("message", "orders", "o-1")
    assert (m2["type"], m2["pattern"], m2["channel"], m2["data"]) == ("pmessage", "user:*", "user:42", "login")
    assert sorted(r.pubsub_channels()) == ["audit", "orders"]
    assert r.pubsub_numsub("orders", "none") == [("orders", 1), ("none", 0)]
    assert r.pubsub_numpat() == 1
    info = r.info()
    assert (info["pubsub_channels"], info["pubsub_patterns"]) == (2, 1)
    assert "flags=P" in r.execute_command("CLIENT", "LIST")
    p.unsubscribe()
    p.punsubscribe()
    for _ in range(3):
        next_message(p)
    assert r.publish("orders", "o-2") == 0
    p.close()
    r.close()


def test_many_subscribers_each_get_every_message_in_order(cairn):
    r = redis.Redis(port=cairn.port, decode_responses=True)
    subscribers = []
    for _ in range(10):
        p = redis.Redis(port=cairn.port, decode_responses=True).pubsub(ignore_subscribe_messages=True)
        p.subscribe("fanout")
        subscribers.append(p)
    deadline = time.monotonic() + 5
    while r.pubsub_numsub("fanout")[0][1] < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    for i in range(50):
        assert r.publish("fanout", str(i)) == 10
    for p in subscribers:
        got = []
        deadline = time.monotonic() + 5
        while len(got) < 50 and time.monotonic() < deadline:
            m = p.get_message(timeout=0.1)  # None for the confirmations it ignores, too
            if m is not None:
                got.append(m["data"])
        assert got == [str(i) for i in range(50)]
        p.close()
    r.close()


def test_a_subscriber_that_disconnects_stops_counting(cairn):
    r = redis.Redis(port=cairn.port)
    with Connection(cairn.port) as c:
        c.send_raw(encode("SUBSCRIBE", "gone"))
        c.read_reply()
        assert r.publish("gone", "x") == 1
    deadline = time.monotonic() + 5
    while r.publish("gone", "x") != 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert r.publish("gone", "x") == 0
    r.close()


def test_resp3_messages_are_push_frames_and_commands_still_work(cairn):
    r = redis.Redis(port=cairn.port)
    with Connection(cairn.port) as c:
        c.send_raw(encode("HELLO", "3"))
        c.read_reply()
        c.send_raw(encode("SUBSCRIBE", "ch"))
        assert c.read_reply()[1] == b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
        c.send_raw(encode("SET", "k", "v") + encode("GET", "k"))
        assert c.read_reply()[1] == b"+OK\r\n"
        assert c.read_reply()[1] == b"$1\r\nv\r\n"
        r.publish("ch", "pushed")
        assert c.read_reply()[1] == b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$6\r\npushed\r\n"
    r.close()


NOTIFYING = [
    ["SET", "n:s", "v"], ["SET", "n:s", "v", "EX", "100"], ["EXPIRE", "n:s", "200"], ["DEL", "n:s", "n:none"],
    ["LPUSH", "n:l", "a", "b"], ["RPUSH", "n:l", "c"], ["LPOP", "n:l"], ["RPOP", "n:l", "5"],
    ["SADD", "n:set", "x", "y"], ["SREM", "n:set", "x"], ["SREM", "n:set", "y"],
    ["ZADD", "n:z", "1", "a", "2", "b"], ["ZINCRBY", "n:z", "5", "a"], ["ZADD", "n:z", "INCR", "1", "b"], ["ZREM", "n:z", "b"],
    ["ZPOPMIN", "n:z"], ["HSET", "n:h", "f", "v", "g", "w"], ["HSETNX", "n:h", "f", "x"], ["HDEL", "n:h", "f", "g"],
    ["SET", "n:e", "v", "PX", "30"], ["EXPIRE", "n:gone", "10"], ["SET", "n:p", "v"], ["EXPIRE", "n:p", "-1"],
    ["RPUSH", "n:l2", "a", "b", "c", "d"], ["LSET", "n:l2", "0", "z"], ["LINSERT", "n:l2", "BEFORE", "b", "y"],
    ["LREM", "n:l2", "0", "y"], ["LTRIM", "n:l2", "0", "1"], ["LMOVE", "n:l2", "n:l3", "LEFT", "RIGHT"],
    ["LMOVE", "n:l2", "n:l2", "LEFT", "LEFT"], ["LTRIM", "n:l2", "5", "10"],
    ["SADD", "n:s2", "only"], ["SPOP", "n:s2"], ["SADD", "n:s3", "m"], ["SMOVE", "n:s3", "n:s4", "m"],
    ["HINCRBY", "n:h2", "f", "3"], ["HINCRBYFLOAT", "n:h2", "g", "1.5"],
    ["ZADD", "n:z2", "1", "a", "2", "b", "3", "c"], ["ZREMRANGEBYSCORE", "n:z2", "1", "2"], ["ZREMRANGEBYRANK", "n:z2", "0", "-1"],
    ["INCR", "n:c"], ["INCRBY", "n:c", "5"], ["DECR", "n:c"], ["INCRBYFLOAT", "n:c", "1.5"], ["APPEND", "n:c", "x"],
    ["GETDEL", "n:c"], ["APPEND", "n:new", "y"],
    ["SET", "n:r", "1"], ["RENAME", "n:r", "n:r2"], ["EXPIRE", "n:r2", "100"], ["PERSIST", "n:r2"], ["MOVE", "n:r2", "3"],
    ["SADD", "n:sa", "1", "2"], ["SADD", "n:sb", "2", "3"], ["SINTERSTORE", "n:sd", "n:sa", "n:sb"],
    ["SUNIONSTORE", "n:sd", "n:sa", "n:sb"], ["SDIFFSTORE", "n:sd", "n:sa", "n:sa"], ["SDIFFSTORE", "n:sd", "n:sa", "n:sa"],
    ["ZADD", "n:za", "1", "a"], ["ZUNIONSTORE", "n:zd", "1", "n:za"], ["ZINTERSTORE", "n:zd", "2", "n:za", "n:none"],
    ["ZDIFFSTORE", "n:zd", "1", "n:za"], ["ZRANGESTORE", "n:zr", "n:za", "0", "-1"], ["ZRANGESTORE", "n:zr", "n:za", "5", "6"],
    ["RPUSH", "n:sl", "2", "1"], ["SORT", "n:sl", "STORE", "n:so"], ["SORT", "n:empty", "STORE", "n:so"],
    ["SET", "n:g", "abc"], ["SETRANGE", "n:g", "1", "Z"], ["GETEX", "n:g", "EX", "100"], ["GETEX", "n:g", "PERSIST"],
    ["COPY", "n:g", "n:g2"], ["COPY", "n:g", "n:g3", "DB", "4"], ["GETEX", "n:g", "PXAT", "1"],
]


def notification_streams(port, classes, commands):
    """Every notification message a subscriber to all notification channels receives while
    `commands` run with notify-keyspace-events set to `classes`."""
    with Connection(port) as sub, Connection(port) as c:
        c.call("CONFIG", "SET", "notify-keyspace-events", classes)
        sub.send_raw(encode("PSUBSCRIBE", "__key*__:*"))
        sub.read_reply()
        for command in commands:
            c.call(*command)
        time.sleep(0.1)
        c.call("GET", "n:e")  # expired by now: removed on access, notified as expired
        c.call("PUBLISH", "end", "x")
        sub.send_raw(encode("PSUBSCRIBE", "end"))
        raw = []
        while True:
            reply, data = sub.read_reply()
            if reply[0] == b"psubscribe":
                break
            raw.append(data)
        c.call("CONFIG", "SET", "notify-keyspace-events", "")
        c.call("FLUSHALL")
        return raw


def assert_same_streams(cairn_stream, redis_stream):
    for i, (mine, theirs) in enumerate(zip(cairn_stream, redis_stream)):
        assert mine == theirs, f"message {i}: cairn {mine!r} != redis {theirs!r}"
    assert len(cairn_stream) == len(redis_stream)


def test_keyspace_notifications_match_redis(cairn, redis_server):
    """The same commands on both servers with notify-keyspace-events KEA; a subscriber to
    every notification channel must receive byte-identical message streams."""
    mine = notification_streams(cairn.port, "KEA", NOTIFYING)
    theirs = notification_streams(redis_server.port, "KEA", NOTIFYING)
    assert len(theirs) > 40
    assert_same_streams(mine, theirs)


NEW_AND_MISSES = [
    ["SET", "n:a", "1"], ["SET", "n:a", "2"], ["GET", "n:missing"], ["LPUSH", "n:l", "x"], ["LPUSH", "n:l", "y"],
    ["HSET", "n:h", "f", "v"], ["INCR", "n:c"], ["APPEND", "n:ap", "z"], ["SADD", "n:s", "m"], ["ZADD", "n:z", "1", "m"],
    ["OBJECT", "ENCODING", "n:missing"], ["EXISTS", "n:missing"], ["TYPE", "n:missing"], ["HGET", "n:missing", "f"],
    ["LRANGE", "n:missing", "0", "-1"], ["RENAME", "n:a", "n:b"], ["COPY", "n:b", "n:c2"], ["SET", "n:e", "v", "PX", "30"],
]


def test_new_key_and_key_miss_notifications_match_redis(cairn, redis_server):
    for classes in ("KEAnm", "Kn", "Em"):
        assert_same_streams(notification_streams(cairn.port, classes, NEW_AND_MISSES),
                            notification_streams(redis_server.port, classes, NEW_AND_MISSES))


def test_notify_keyspace_events_config_reads_back_as_redis_writes_it(cairn, redis_server):
    for value in ["KEA", "Kgx$", "AKEmn", "g", "E", "", "Elz"]:
        for port in (cairn.port, redis_server.port):
            r = redis.Redis(port=port, decode_responses=True)
            r.config_set("notify-keyspace-events", value)
        assert (redis.Redis(port=cairn.port, decode_responses=True).config_get("notify-keyspace-events")
                == redis.Redis(port=redis_server.port, decode_responses=True).config_get("notify-keyspace-events"))
    with Connection(cairn.port) as c:
        assert c.call_raw("CONFIG", "SET", "notify-keyspace-events", "Q") == (
            b"-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
            b"Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n")


MONITORED = [
    ["SET", "m:k", 'a b\n"\x01\\'], ["CONFIG", "GET", "port"], ["SELECT", "2"], ["GET", "m:k"], ["MULTI"], ["INCR", "m:n"],
    ["EXEC"], ["NOSUCH"], ["GET"], ["HELLO", "3", "AUTH", "default", "secret"], ["HELLO", "2"], ["SELECT", "0"],
    ["RPUSH", "m:l", "x"], ["BLPOP", "m:l", "0"], ["PING"],
]


def monitor_lines(port, commands):
    import re
    with Connection(port) as mon, Connection(port) as c:
        assert mon.call("MONITOR") == "OK"
        mon.send_raw(encode("MONITOR"))  # a second MONITOR answers nothing
        for command in commands:
            c.send_raw(encode(*command))
            c.read_reply()
        c.send_raw(encode("PUBLISH", "end-of-feed", "x"))
        c.read_reply()
        lines = []
        while True:
            line = mon._line().decode("latin1")
            lines.append(re.sub(r"^\+\d+\.\d{6} \[(\d+) [^\]]+\]", r"[\1]", line))
            if "end-of-feed" in line:
                break
        mon_own = mon.call_raw("GET", "m:k")
        assert mon.call("RESET") == "RESET"
        return lines, mon_own


def test_monitor_feed_matches_redis(cairn, redis_server):
    """Timestamps and client addresses aside, Cairn's MONITOR feed is Redis's, line for line."""
    cairn_lines, cairn_own = monitor_lines(cairn.port, MONITORED)
    redis_lines, redis_own = monitor_lines(redis_server.port, MONITORED)
    assert cairn_own == redis_own == b"-ERR Replica can't interact with the keyspace\r\n"
    assert cairn_lines == redis_lines
    assert any("(redacted)" in line for line in cairn_lines)


def test_served_blocking_pops_notify_as_in_redis(cairn, redis_server):
    """A BLPOP and a BZPOPMIN served by later writes: push/add events, then the pop the
    waiter got and the del of the emptied key, in Redis's order."""
    def stream(port):
        with Connection(port) as waiter1, Connection(port) as waiter2, Connection(port) as c:
            waiter1.send_raw(encode("BLPOP", "b:l", "0"))
            waiter2.send_raw(encode("BZPOPMIN", "b:z", "0"))
            deadline = time.monotonic() + 5
            while c.call("INFO", "clients").count(b"blocked_clients:2") == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            commands = [["RPUSH", "b:l", "x"], ["ZADD", "b:z", "1", "m", "2", "n"]]
            raw = notification_streams(port, "KEA", commands)
            assert waiter1.read_reply()[0] == [b"b:l", b"x"]
            assert waiter2.read_reply()[0][:2] == [b"b:z", b"m"]
            return raw
    mine, theirs = stream(cairn.port), stream(redis_server.port)
    assert len(theirs) >= 8
    assert_same_streams(mine, theirs)


def test_client_type_pubsub_selects_subscribers_as_in_redis(cairn, redis_server):
    def run(port):
        r = redis.Redis(port=port, decode_responses=True)
        p = r.pubsub()
        p.subscribe("news")
        next_message(p)
        pubsub_clients = r.client_list(_type="pubsub")
        normal_clients = r.client_list(_type="normal")
        answers = (len(pubsub_clients), [c["sub"] for c in pubsub_clients],
                   all(c["sub"] == "0" for c in normal_clients),
                   r.execute_command("CLIENT", "KILL", "TYPE", "master"),
                   r.execute_command("CLIENT", "KILL", "TYPE", "pubsub"))
        try:
            r.execute_command("CLIENT", "LIST", "TYPE", "bogus")
        except redis.ResponseError as e:
            answers += (str(e),)
        deadline = time.monotonic() + 5
        while r.pubsub_numsub("news")[0][1] and time.monotonic() < deadline:
            time.sleep(0.01)
        answers += (r.pubsub_numsub("news"),)
        p.close()
        r.close()
        return answers

    assert run(cairn.port) == run(redis_server.port)


def test_a_subscriber_that_stops_reading_is_closed_at_the_pubsub_limit(cairn):
    """A subscriber falls in Redis's `pubsub` class: past its hard limit it is closed and
    the publisher and other subscribers go on; a normal client has no limit by default."""
    r = redis.Redis(port=cairn.port, decode_responses=True)
    assert r.config_set("client-output-buffer-limit", "pubsub 1mb 0 0")
    assert r.config_get("client-output-buffer-limit")["client-output-buffer-limit"].endswith("pubsub 1048576 0 0")
    stalled = Connection(cairn.port)
    stalled.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.send_raw(encode("SUBSCRIBE", "flood"))
    reader = r.pubsub(ignore_subscribe_messages=True)
    reader.subscribe("flood")
    deadline = time.monotonic() + 5
    while r.pubsub_numsub("flood")[0][1] < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    payload = "x" * 16384
    received = 0
    counts = []
    for i in range(400):  # 6.4 MB: far past 1 MB plus what the kernel buffers
        counts.append(r.publish("flood", payload))
        while reader.get_message(timeout=0) is not None:
            received += 1
    assert counts[0] == 2 and counts[-1] == 1, counts[:3] + counts[-3:]
    assert r.pubsub_numsub("flood") == [("flood", 1)]
    while received < 400:
        assert reader.get_message(timeout=5) is not None
        received += 1
    assert r.ping()
    stalled.close()
    reader.close()
    r.close()
