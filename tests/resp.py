"""A tiny RESP2 client over a raw socket: it sends exactly what it is given and returns
the reply both parsed and as raw bytes, so tests can compare servers byte for byte."""
import socket


def encode(*args) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Connection:
    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data: bytes):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by server")
        self.buf += chunk

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_reply(self):
        """Returns (parsed, raw). Errors parse to ReplyError instances."""
        raw = []
        value = self._read(raw)
        return value, b"".join(raw)

    def _read(self, raw):
        line = self._line()
        raw.append(line + b"\r\n")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return ReplyError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self._exact(n + 2)
            raw.append(data)
            return data[:-2]
        if kind == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [self._read(raw) for _ in range(n)]
        # RESP3
        if kind == b"_":
            return None
        if kind == b"%":
            items = [self._read(raw) for _ in range(2 * int(rest))]
            return dict(zip(items[0::2], items[1::2])) if all(not isinstance(k, (list, dict)) for k in items[0::2]) else items
        if kind in (b"~", b">"):  # a set; a push frame (pub/sub)
            return [self._read(raw) for _ in range(int(rest))]
        if kind in (b"=", b"!"):
            data = self._exact(int(rest) + 2)
            raw.append(data)
            return data[4:-2] if kind == b"=" else ReplyError(data[:-2].decode())
        if kind == b",":
            return float(rest)
        if kind == b"#":
            return rest == b"t"
        if kind == b"(":
            return int(rest)
        raise ValueError(f"bad reply line {line!r}")

    def call(self, *args):
        self.send_raw(encode(*args))
        return self.read_reply()[0]

    def call_raw(self, *args) -> bytes:
        self.send_raw(encode(*args))
        return self.read_reply()[1]

    def is_closed_by_server(self, timeout=5.0) -> bool:
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


class ReplyError(str):
    """An error reply; compares as its text."""


def raw_replies(port, commands, resp3=False):
    """Each command's raw reply bytes, sent one at a time on one fresh connection."""
    with Connection(port) as c:
        if resp3:
            c.send_raw(encode("HELLO", "3"))
            c.read_reply()
        out = []
        for cmd in commands:
            c.send_raw(encode(*cmd))
            out.append(c.read_reply()[1])
        return out


def assert_same_replies(cairn_port, redis_port, commands, resp3=False, normalize=None):
    """Cairn's raw replies to `commands` are Redis's, byte for byte (after `normalize`,
    which may mask what depends on the clock)."""
    got, want = raw_replies(cairn_port, commands, resp3), raw_replies(redis_port, commands, resp3)
    if normalize:
        got, want = [normalize(g) for g in got], [normalize(w) for w in want]
    for cmd, g, w in zip(commands, got, want):
        assert g == w, f"{cmd!r}: cairn {g!r} redis {w!r}"
