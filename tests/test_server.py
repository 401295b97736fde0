"""The server as a process: bad input, limits, expiry in the background, start-up
errors and graceful shutdown."""
import os
import signal
import socket
import subprocess
import time

import redis

from conftest import ROOT, ServerProcess, cairn_binary, free_port
from resp import Connection, encode


def test_malformed_protocol_gets_an_error_and_closes_only_that_connection(cairn):
    with Connection(cairn.port) as bystander:
        bystander.call("SET", "k", "v")
        for bad, message in [(b"*x\r\n", "invalid multibulk length"),
                             (b"*1\r\n+PING\r\n", "expected '$', got '+'"),
                             (b"*1\r\n$-3\r\n", "invalid bulk length"),
                             (b'SET "a\r\n', "unbalanced quotes in request")]:
            with Connection(cairn.port) as c:
                c.send_raw(bad)
                reply, _ = c.read_reply()
                assert reply == f"ERR Protocol error: {message}"
                assert c.is_closed_by_server()
        assert bystander.call("GET", "k") == b"v"


def test_inline_commands_and_pipelining(cairn):
    with Connection(cairn.port) as c:
        c.send_raw(b"SET a 1\r\nINCR a\r\nGET a\r\nECHO \"x y\"\r\n")
        assert [c.read_reply()[0] for _ in range(4)] == ["OK", 2, b"2", b"x y"]
        burst = b"".join(encode("INCR", "p") for _ in range(10000))
        c.send_raw(burst)
        replies = [c.read_reply()[0] for _ in range(10000)]
        assert replies == list(range(1, 10001))


def test_requests_split_into_single_bytes(cairn):
    with Connection(cairn.port) as c:
        data = encode("SET", "split", "value with spaces") + encode("GET", "split")
        for i in range(len(data)):
            c.send_raw(data[i:i + 1])
        assert c.read_reply()[0] == "OK"
        assert c.read_reply()[0] == b"value with spaces"


def test_large_values_round_trip(cairn):
    value = bytes(range(256)) * 40000  # ~10 MB, binary
    with Connection(cairn.port, timeout=30) as c:
        assert c.call("SET", "big", value) == "OK"
        assert c.call("STRLEN", "big") == len(value)
        assert c.call("GET", "big") == value


def test_replies_a_full_socket_cannot_take_keep_their_order(cairn):
    """Replies go straight to the socket until it is full; the rest, and every reply
    after it, queue in the channel. A client that stops reading mid-reply and then sends
    more requests must still get every reply whole and in order, while other clients are
    served meanwhile."""
    big = bytes(range(256)) * 16384  # 4 MB, far more than a socket's send buffer
    with Connection(cairn.port, timeout=30) as setup:
        assert setup.call("SET", "big", big) == "OK"
    with Connection(cairn.port, timeout=30) as slow, Connection(cairn.port) as other:
        first = [("GET", "big"), ("PING",), ("INCR", "n"), ("GET", "big"), ("ECHO", "after")]
        slow.send_raw(b"".join(encode(*c) for c in first))
        # The socket's send buffer fills; most of the first GET waits in the channel,
        # which CLIENT LIST shows as the slow client's omem.
        deadline = time.monotonic() + 10
        while True:
            clients = other.call("CLIENT", "LIST").decode().splitlines()
            fields = [dict(f.split("=", 1) for f in line.split(" ")) for line in clients]
            slow_fields = [f for f in fields if f["cmd"] == "echo"]
            if slow_fields and int(slow_fields[0]["omem"]) > 0:
                break
            assert time.monotonic() < deadline, clients
            time.sleep(0.05)
        assert int(slow_fields[0]["fd"]) > 2
        assert other.call("PING") == "PONG"
        assert other.call("SET", "k", "v") == "OK"
        second = [("INCR", "n"), ("GET", "k"), ("ECHO", "last")]
        slow.send_raw(b"".join(encode(*c) for c in second))
        time.sleep(0.2)
        assert other.call("GET", "k") == b"v"
        replies = [slow.read_reply()[0] for _ in first + second]
        assert replies == [big, "PONG", 1, big, b"after", 2, b"v", b"last"]


def test_proto_max_bulk_len_rejects_larger_bulks(cairn):
    with Connection(cairn.port) as c:
        assert c.call("CONFIG", "SET", "proto-max-bulk-len", "1mb") == "OK"
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n")
        assert c.read_reply()[0] == "ERR Protocol error: invalid bulk length"
        assert c.is_closed_by_server()


def test_query_buffer_limit_closes_the_client(cairn):
    with Connection(cairn.port) as admin:
        assert admin.call("CONFIG", "SET", "client-query-buffer-limit", "1mb") == "OK"
        with Connection(cairn.port) as c:
            c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000000\r\n")
            try:
                c.send_raw(b"x" * 2_000_000)
            except (BrokenPipeError, ConnectionResetError):
                pass
            assert c.is_closed_by_server()
        assert admin.call("PING") == "PONG"
        assert "max query buffer" in cairn.log()


def test_maxclients_rejects_extra_connections(cairn):
    with Connection(cairn.port) as admin:
        assert admin.call("CONFIG", "SET", "maxclients", "2") == "OK"
        with Connection(cairn.port) as second:
            assert second.call("PING") == "PONG"
            with Connection(cairn.port) as third:
                reply, _ = third.read_reply()
                assert reply == "ERR max number of clients reached"
                assert third.is_closed_by_server()
        stats = admin.call("INFO", "stats").decode()
        assert "rejected_connections:1" in stats


def test_quit_replies_then_closes(cairn):
    with Connection(cairn.port) as c:
        assert c.call("QUIT") == "OK"
        assert c.is_closed_by_server()


def test_client_kill_closes_the_matching_connections(cairn):
    with Connection(cairn.port) as admin, Connection(cairn.port) as by_id, \
            Connection(cairn.port) as by_addr, Connection(cairn.port) as bystander:
        admin_id, victim_id = admin.call("CLIENT", "ID"), by_id.call("CLIENT", "ID")
        bystander.call("SET", "k", "v")
        # New form: the number killed; the caller is skipped unless SKIPME no.
        assert admin.call("CLIENT", "KILL", "ID", str(victim_id)) == 1
        assert by_id.is_closed_by_server()
        listed = admin.call("CLIENT", "LIST").decode()
        assert f"id={victim_id} " not in listed and f"id={admin_id} " in listed
        assert admin.call("CLIENT", "KILL", "ID", str(admin_id)) == 0
        # Old form: ip:port as CLIENT LIST shows it; +OK, or an error when none matches.
        host, port = by_addr.sock.getsockname()
        assert admin.call("CLIENT", "KILL", f"{host}:{port}") == "OK"
        assert by_addr.is_closed_by_server()
        assert str(admin.call("CLIENT", "KILL", f"{host}:{port}")) == "ERR No such client"
        assert admin.call("CLIENT", "KILL", "TYPE", "pubsub") == 0
        assert bystander.call("GET", "k") == b"v"
        # Killing itself: the reply first, then the close.
        assert admin.call("CLIENT", "KILL", "ID", str(admin_id), "SKIPME", "no") == 1
        assert admin.is_closed_by_server()
        assert bystander.call("PING") == "PONG"


def test_active_expiry_reclaims_unread_keys(cairn):
    r = redis.Redis(port=cairn.port)
    pipe = r.pipeline(transaction=False)
    for i in range(5000):
        pipe.set(f"t:{i}", "v", px=2000)
    pipe.set("keep", "v")
    pipe.execute()
    assert r.dbsize() == 5001
    deadline = time.monotonic() + 10
    while r.dbsize() > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert r.dbsize() == 1
    assert int(r.info("stats")["expired_keys"]) == 5000
    r.close()


def test_sigterm_stops_gracefully(cairn):
    r = redis.Redis(port=cairn.port)
    r.set("k", "v")
    r.close()
    assert cairn.stop(signal.SIGTERM) == 0
    assert "ready to exit" in cairn.log()


def test_shutdown_command_stops_the_server(cairn):
    with Connection(cairn.port) as c:
        c.send_raw(encode("SHUTDOWN", "NOSAVE"))
        assert c.is_closed_by_server()
    cairn.proc.wait(timeout=15)
    assert cairn.proc.returncode == 0


def run_server(*args, stdin=None):
    return subprocess.run([str(cairn_binary()), *args], capture_output=True, text=True, timeout=30)


def test_startup_errors_name_the_directive():
    result = run_server("--port", "abc")
    assert result.returncode == 1
    assert "'port \"abc\"'" in result.stderr
    assert "argument couldn't be parsed into an integer" in result.stderr
    result = run_server("--no-such-directive", "1")
    assert result.returncode == 1
    assert "no-such-directive" in result.stderr
    assert "Bad directive" in result.stderr
    result = run_server("/nonexistent/cairn.conf")
    assert result.returncode == 1
    assert "can't open config file" in result.stderr


def test_config_file_and_flags(tmp_path):
    port = free_port()
    conf = tmp_path / "cairn.conf"
    conf.write_text("port 1\nmaxclients 77\n# comment\nhz 20\n")
    with ServerProcess([str(cairn_binary()), str(conf), "--port", str(port)], port, tmp_path) as server:
        r = redis.Redis(port=port, decode_responses=True)
        assert r.config_get("maxclients") == {"maxclients": "77"}
        assert r.config_get("port") == {"port": str(port)}
        assert r.info("server")["config_file"] == str(conf)
        r.close()


def test_the_shipped_example_config_starts(tmp_path):
    port = free_port()
    example = ROOT / "cairn.conf"
    with ServerProcess([str(cairn_binary()), str(example), "--port", str(port)], port, tmp_path) as server:
        assert redis.Redis(port=port).ping()


def test_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = run_server("--port", str(port))
        assert result.returncode == 1
        assert f"Could not create server TCP listening socket 127.0.0.1:{port}" in result.stderr


def test_config_set_loglevel_changes_what_is_logged(cairn):
    def provoke_protocol_error():
        with Connection(cairn.port) as c:
            c.send_raw(b"*x\r\n")
            c.read_reply()
            assert c.is_closed_by_server()

    provoke_protocol_error()
    time.sleep(0.2)
    assert "Protocol error" not in cairn.log()
    with Connection(cairn.port) as admin:
        assert admin.call("CONFIG", "SET", "loglevel", "verbose") == "OK"
        assert admin.call("CONFIG", "GET", "loglevel") == [b"loglevel", b"verbose"]
    provoke_protocol_error()
    deadline = time.monotonic() + 5
    while "Protocol error" not in cairn.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "Protocol error: invalid multibulk length" in cairn.log()


def test_dir_is_the_working_directory_and_reported_absolute(tmp_path):
    port = free_port()
    work = tmp_path / "data"
    work.mkdir()
    with ServerProcess([str(cairn_binary()), "--port", str(port), "--dir", "data"], port, tmp_path) as server:
        r = redis.Redis(port=port, decode_responses=True)
        assert r.config_get("dir") == {"dir": str(work.resolve())}
        r.close()
    result = run_server("--port", str(free_port()), "--dir", "/nonexistent/cairn")
    assert result.returncode == 1
    assert "Can't chdir to '/nonexistent/cairn'" in result.stderr


def test_every_bind_address_listens(tmp_path):
    port = free_port()
    server = ServerProcess([str(cairn_binary()), "--port", str(port), "--bind", "127.0.0.1", "127.0.0.2"],
                           port, tmp_path)
    try:
        for host in ("127.0.0.1", "127.0.0.2"):
            r = redis.Redis(host=host, port=port)
            assert r.ping()
            r.close()
    finally:
        server.stop()


def test_object_idletime_counts_seconds_since_the_last_access(cairn):
    r = redis.Redis(port=cairn.port)
    r.set("idle:read", "1")
    r.set("idle:typed", "1")
    r.rpush("idle:list", "a")
    time.sleep(2.2)
    r.get("idle:read")
    r.type("idle:typed")
    r.exists("idle:typed")
    r.ttl("idle:typed")
    assert r.object("idletime", "idle:read") == 0
    # TYPE, EXISTS, TTL and OBJECT itself do not count as accesses (Redis's NOTOUCH).
    assert r.object("idletime", "idle:typed") >= 2
    assert r.object("idletime", "idle:list") >= 2
    r.touch("idle:list")
    assert r.object("idletime", "idle:list") == 0
    # CLIENT NO-TOUCH: this client's reads leave access times alone; TOUCH still counts.
    assert r.execute_command("CLIENT", "NO-TOUCH", "ON") == b"OK"
    r.get("idle:typed")
    assert r.object("idletime", "idle:typed") >= 2
    r.touch("idle:typed")
    assert r.object("idletime", "idle:typed") == 0
    r.execute_command("RESET")
    assert r.object("idletime", "idle:missing") is None
    r.close()


def test_out_of_descriptors_the_listener_waits_without_spinning(tmp_path):
    """With the descriptor limit reached, accept fails (EMFILE) while connections wait in
    the backlog: the server must neither stop nor spin on the still-readable listener,
    and the waiting clients are served once descriptors free up."""
    port = free_port()
    limit = 48

    def low_limit():
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([str(cairn_binary()), "--port", str(port), "--dir", str(tmp_path)],
                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, preexec_fn=low_limit)
    clients = []
    try:
        from conftest import wait_for_port
        wait_for_port(port, proc)
        for _ in range(limit + 20):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"PING\r\n")
            clients.append(s)

        def answered(s, wait):
            s.settimeout(wait)
            try:
                return s.recv(16) == b"+PONG\r\n"
            except socket.timeout:
                return False

        time.sleep(0.5)
        served = [s for s in clients if answered(s, 0.1)]
        waiting = [s for s in clients if s not in served]
        assert served and waiting, (len(served), len(waiting))
        # A second of waiting clients costs (almost) no CPU: the listener is not watched
        # while accepting cannot succeed.
        ticks = os.sysconf("SC_CLK_TCK")
        stat = lambda: sum(int(x) for x in open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()[11:13])
        before = stat()
        time.sleep(1.0)
        assert (stat() - before) / ticks < 0.3
        assert proc.poll() is None
        # Closing the served clients frees descriptors; every waiting one is then served.
        for s in served:
            s.close()
        assert all(answered(s, 5) for s in waiting)
    finally:
        for s in clients:
            s.close()
        proc.terminate()
        proc.wait(timeout=15)
        log.close()
