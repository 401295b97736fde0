"""Authentication against Debian's redis-server: `requirepass`, AUTH in both forms,
HELLO … AUTH, what runs before AUTH (and what a transaction makes of NOAUTH), RESET,
CONFIG SET requirepass; replies byte for byte. Then real clients (redis-cli -a,
redis-py) and a restart with a password set, which must still load the log."""
import contextlib
import re
import subprocess
import sys

import pytest
import redis

from conftest import ServerProcess, free_port, start_cairn
from resp import Connection, assert_same_replies, encode


def start_redis_with(workdir, *flags):
    port = free_port()
    return ServerProcess(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", str(workdir), *flags], port, workdir)


BEFORE_AUTH = [
    ["GET", "x"], ["NOSUCH", "x"], ["GET"], ["PING"], ["SELECT", "0"], ["CLIENT", "ID"], ["COMMAND", "COUNT"],
    ["HELLO", "3"], ["HELLO", "2", "AUTH", "default", "wrong"], ["HELLO", "2", "AUTH", "nobody", "secret"],
    ["HELLO", "2", "AUTH", "default"], ["AUTH"], ["AUTH", "a", "b", "c"], ["AUTH", "wrong"], ["AUTH", "nobody", "secret"],
    ["AUTH", "default", "wrong"], ["AUTH", ""],
    ["MULTI"], ["GET", "x"], ["EXEC"], ["DISCARD"],
    ["RESET"], ["AUTH", "secret"], ["SET", "x", "1"], ["GET", "x"], ["AUTH", "default", "secret"], ["AUTH", "wrong"],
    ["GET", "x"],          # a failed AUTH does not undo an earlier one
    ["RESET"], ["GET", "x"], ["HELLO", "2", "AUTH", "default", "secret", "SETNAME", "me"], ["GET", "x"],
    ["CLIENT", "GETNAME"], ["CONFIG", "GET", "requirepass"],
]

WITHOUT_PASSWORD = [
    ["AUTH", "foo"], ["AUTH", "default", "foo"], ["AUTH", "default", ""], ["AUTH", "nobody", "foo"],
    ["HELLO", "2", "AUTH", "default", "anything"], ["HELLO", "2", "AUTH", "other", "anything"], ["GET", "x"],
    ["CONFIG", "SET", "requirepass", "abc"], ["GET", "x"],   # this connection stays authenticated
    ["AUTH", "abc"], ["AUTH", "abd"], ["RESET"], ["GET", "x"], ["AUTH", "abc"],
    ["CONFIG", "SET", "requirepass", ""], ["RESET"], ["GET", "x"],
]


_HELLO = re.compile(rb"(version\r\n)\$\d+\r\n[\d.]+\r\n(.*?id\r\n):\d+\r\n", re.S)


def same_hello(raw):
    """HELLO's version and client id differ between the servers by nature."""
    return _HELLO.sub(rb"\1<version>\2<id>", raw)


def test_authentication_replies_as_redis(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "r").mkdir()
    with start_cairn(tmp_path / "c", "--requirepass", "secret") as cairn, \
            start_redis_with(tmp_path / "r", "--requirepass", "secret") as redis_server:
        assert_same_replies(cairn.port, redis_server.port, BEFORE_AUTH, normalize=same_hello)
    (tmp_path / "c2").mkdir()
    (tmp_path / "r2").mkdir()
    with start_cairn(tmp_path / "c2") as cairn, start_redis_with(tmp_path / "r2") as redis_server:
        assert_same_replies(cairn.port, redis_server.port, WITHOUT_PASSWORD, normalize=same_hello)


def test_command_info_shows_no_auth(cairn, redis_server):
    assert_same_replies(cairn.port, redis_server.port, [["COMMAND", "INFO", "auth", "hello", "quit", "reset"]])


def test_a_new_password_applies_to_new_connections_and_real_clients(tmp_path):
    with start_cairn(tmp_path, "--appendonly", "yes") as server:
        with Connection(server.port) as old:
            open_client = redis.Redis(port=server.port)
            open_client.config_set("requirepass", "s3cret")
            # Connections made before keep working; new ones must authenticate.
            old.send_raw(encode("SET", "k", "v"))
            assert old.read_reply()[1] == b"+OK\r\n"
            with pytest.raises(redis.AuthenticationError):
                redis.Redis(port=server.port).get("k")
            with pytest.raises(redis.AuthenticationError):
                redis.Redis(port=server.port, password="nope").get("k")
            assert redis.Redis(port=server.port, password="s3cret").get("k") == b"v"
            assert redis.Redis(port=server.port, username="default", password="s3cret", protocol=3).get("k") == b"v"
            cli = subprocess.run(["redis-cli", "-p", str(server.port), "-a", "s3cret", "--no-auth-warning", "GET", "k"],
                                 capture_output=True, text=True, timeout=10)
            assert cli.stdout.strip() == "v"
            cli = subprocess.run(["redis-cli", "-p", str(server.port), "GET", "k"], capture_output=True, text=True, timeout=10)
            assert "NOAUTH" in cli.stdout + cli.stderr
            open_client.close()
    # The log is loaded whatever the password: its loader is not a network client.
    with start_cairn(tmp_path, "--requirepass", "s3cret") as server:
        assert redis.Redis(port=server.port, password="s3cret").get("k") == b"v"


def test_monitor_never_shows_passwords(tmp_path):
    with start_cairn(tmp_path, "--requirepass", "pw") as server:
        with Connection(server.port) as monitor, Connection(server.port) as other:
            monitor.send_raw(encode("AUTH", "pw"))
            monitor.read_reply()
            monitor.send_raw(encode("MONITOR"))
            monitor.read_reply()
            other.send_raw(encode("AUTH", "default", "pw"))
            other.read_reply()
            other.send_raw(encode("HELLO", "2", "AUTH", "default", "pw"))
            other.read_reply()
            other.send_raw(encode("PING"))
            other.read_reply()
            lines = [monitor.read_reply()[1] for _ in range(3)]
            assert all(b"pw" not in line for line in lines), lines
            assert lines[-1].endswith(b"\"PING\"\r\n")


def busy_auth_transcript(port):
    """A script keeps the server busy; a connection made meanwhile must authenticate
    before SCRIPT KILL, and stays authenticated once the server is free again."""
    out = []
    with Connection(port, timeout=20) as runner, Connection(port, timeout=20) as setup:
        for c in (runner, setup):
            c.send_raw(encode("AUTH", "pw"))
            c.read_reply()
        setup.send_raw(encode("CONFIG", "SET", "busy-reply-threshold", "100"))
        setup.read_reply()
        runner.send_raw(encode("EVAL", "while true do end", "0"))
        import time
        time.sleep(0.5)
        with Connection(port, timeout=20) as newcomer:
            for command in (["SCRIPT", "KILL"], ["PING"], ["GET", "x"], ["AUTH", "wrong"], ["AUTH", "pw"], ["PING"],
                            ["SCRIPT", "KILL"]):
                newcomer.send_raw(encode(*command))
                out.append(newcomer.read_reply()[1])
            out.append(runner.read_reply()[1].split(b" script:")[0])
            newcomer.send_raw(encode("SET", "x", "1"))
            out.append(newcomer.read_reply()[1])
    return out


def test_authentication_comes_before_a_busy_script(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "r").mkdir()
    with start_cairn(tmp_path / "c", "--requirepass", "pw") as cairn, \
            start_redis_with(tmp_path / "r", "--requirepass", "pw") as redis_server:
        got, want = busy_auth_transcript(cairn.port), busy_auth_transcript(redis_server.port)
        assert got == want
        assert want[0].startswith(b"-NOAUTH") and want[-1] == b"+OK\r\n"


def non_loopback_address():
    """This host's first non-loopback IPv4 address, or None."""
    import socket
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))          # no packet is sent: this only picks a route
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") else ip


def first_reply(host, port):
    import socket
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(encode("PING"))
        data = b""
        try:
            while not data.endswith(b"\r\n"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
        return data


def test_protected_mode_denies_other_hosts_until_a_password_is_set(tmp_path):
    ip = non_loopback_address()
    if ip is None:
        pytest.skip("this machine has no non-loopback IPv4 address to connect from")
    (tmp_path / "c").mkdir()
    (tmp_path / "r").mkdir()
    with start_cairn(tmp_path / "c", "--bind", f"127.0.0.1 {ip}") as cairn, \
            start_redis_with(tmp_path / "r", "--bind", f"127.0.0.1 {ip}") as redis_server:
        mine, theirs = first_reply(ip, cairn.port), first_reply(ip, redis_server.port)
        assert theirs.startswith(b"-DENIED Redis is running in protected mode")
        assert mine == theirs.replace(b"Redis", b"Cairn"), mine
        # The loopback interface is let in; a password, or protected-mode no, opens the rest.
        assert first_reply("127.0.0.1", cairn.port) == b"+PONG\r\n"
        for port in (cairn.port, redis_server.port):
            redis.Redis(port=port).config_set("requirepass", "pw")
        assert first_reply(ip, cairn.port) == first_reply(ip, redis_server.port) == b"-NOAUTH Authentication required.\r\n"
        for port in (cairn.port, redis_server.port):
            r = redis.Redis(port=port, password="pw")
            r.config_set("requirepass", "")
            r.config_set("protected-mode", "no")
        assert first_reply(ip, cairn.port) == first_reply(ip, redis_server.port) == b"+PONG\r\n"


@contextlib.contextmanager
def other_host():
    """A network namespace joined to this one by a veth pair: a client there connects from
    10.213.7.2 to this host's 10.213.7.1, as another machine would. Skips (saying why)
    where namespaces cannot be made (not root, no `ip`, a sandbox that refuses them)."""
    import os
    import shutil
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("creating a network namespace needs root and iproute2's `ip`")
    name = f"cairn{os.getpid() % 100000}"
    host_if, ns_if = f"ch{os.getpid() % 100000}", f"cn{os.getpid() % 100000}"
    steps = [["ip", "netns", "add", name],
             ["ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if],
             ["ip", "link", "set", ns_if, "netns", name],
             ["ip", "addr", "add", "10.213.7.1/24", "dev", host_if],
             ["ip", "link", "set", host_if, "up"],
             ["ip", "netns", "exec", name, "ip", "addr", "add", "10.213.7.2/24", "dev", ns_if],
             ["ip", "netns", "exec", name, "ip", "link", "set", ns_if, "up"],
             ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"]]
    try:
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=10)
            if done.returncode != 0:
                pytest.skip(f"cannot make a network namespace here: {' '.join(step)}: {done.stderr.strip()}")
        yield name
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True, timeout=10)
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)


def reply_from_namespace(namespace, port):
    """PING from inside `namespace` to 10.213.7.1:port; the first reply line."""
    script = ("import socket\ns = socket.create_connection(('10.213.7.1', %d), timeout=5)\n"
              "s.sendall(b'*1\\r\\n$4\\r\\nPING\\r\\n')\ndata = b''\n"
              "try:\n    while not data.endswith(b'\\r\\n'):\n        chunk = s.recv(4096)\n"
              "        if not chunk: break\n        data += chunk\nexcept ConnectionResetError:\n    pass\n"
              "import sys; sys.stdout.buffer.write(data)\n") % port
    done = subprocess.run(["ip", "netns", "exec", namespace, sys.executable, "-c", script],
                          capture_output=True, timeout=20)
    return done.stdout


def test_protected_mode_from_another_network_namespace(tmp_path):
    with other_host() as namespace:
        (tmp_path / "c").mkdir()
        (tmp_path / "r").mkdir()
        with start_cairn(tmp_path / "c", "--bind", "127.0.0.1 10.213.7.1") as cairn, \
                start_redis_with(tmp_path / "r", "--bind", "127.0.0.1 10.213.7.1") as redis_server:
            theirs = reply_from_namespace(namespace, redis_server.port)
            assert theirs.startswith(b"-DENIED Redis is running in protected mode")
            assert reply_from_namespace(namespace, cairn.port) == theirs.replace(b"Redis", b"Cairn")
            redis.Redis(port=cairn.port).config_set("requirepass", "pw")
            assert reply_from_namespace(namespace, cairn.port) == b"-NOAUTH Authentication required.\r\n"
