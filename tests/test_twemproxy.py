"""Three Cairn servers behind twemproxy (Debian's nutcracker), as examples/twemproxy and
docs/scaling.md describe: keys spread over all shards, read back through the proxy, and a
shard killed with SIGKILL finds every key again from its own log."""
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis

from conftest import ServerProcess, cairn_binary, free_port, start_cairn, wait_for_port

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "twemproxy" / "nutcracker.yml"
KEYS = 10_000


def proxy_config(ports, listen):
    """The example's configuration with this test's ports (same hashing, same names)."""
    text = EXAMPLE.read_text()
    text = text.replace("127.0.0.1:22121", f"127.0.0.1:{listen}")
    for default, port in zip((7381, 7382, 7383), ports):
        text = text.replace(f"127.0.0.1:{default}:1", f"127.0.0.1:{port}:1")
    return text


def start_proxy(tmp_path, ports):
    nutcracker = shutil.which("nutcracker") or "/usr/sbin/nutcracker"
    if not Path(nutcracker).exists():
        pytest.skip("nutcracker is not installed (Debian: apt-get install nutcracker)")
    listen, stats = free_port(), free_port()
    config = tmp_path / "nutcracker.yml"
    config.write_text(proxy_config(ports, listen))
    proc = subprocess.Popen([nutcracker, "-c", str(config), "-s", str(stats), "-a", "127.0.0.1",
                             "-o", str(tmp_path / "nutcracker.log")])
    wait_for_port(listen, proc)
    return proc, listen


def retry(call, timeout=10.0):
    """The proxy reconnects to a restarted shard on a later request."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except (redis.ConnectionError, redis.ResponseError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")   # lib_name=None: redis-py 8 wants driver_info
def test_three_shards_behind_nutcracker(tmp_path):
    fsyncs = ["always", "everysec", "everysec"]
    dirs = [tmp_path / f"shard-{name}" for name in "abc"]
    shards = []
    proxy = None
    try:
        for d, fsync in zip(dirs, fsyncs):
            d.mkdir()
            shards.append(start_cairn(d, "--dir", str(d), "--appendfsync", fsync))
        proxy, listen = start_proxy(tmp_path, [s.port for s in shards])
        # twemproxy speaks RESP2 only and refuses HELLO and CLIENT SETINFO, which redis-py 8
        # sends on connecting unless told not to (docs/scaling.md).
        client = redis.Redis(port=listen, decode_responses=True, protocol=2, lib_name=None, lib_version=None)
        pipe = client.pipeline(transaction=False)
        for i in range(KEYS):
            pipe.set(f"key:{i}", f"value-{i}")
        assert all(reply is True for reply in pipe.execute())

        counts = [redis.Redis(port=s.port).dbsize() for s in shards]
        assert sum(counts) == KEYS
        assert all(c > KEYS // 10 for c in counts), counts           # every shard holds a share
        pipe = client.pipeline(transaction=False)
        for i in range(KEYS):
            pipe.get(f"key:{i}")
        assert pipe.execute() == [f"value-{i}" for i in range(KEYS)]
        # Hash tags keep related keys together, so multi-key commands work through the proxy.
        client.sadd("{user:1}:a", "x", "y")
        client.sadd("{user:1}:b", "y", "z")
        assert client.sinterstore("{user:1}:both", ["{user:1}:a", "{user:1}:b"]) == 1

        # Kill the `always` shard without warning: its log has every acknowledged write.
        victim = shards[0]
        owned = sorted(redis.Redis(port=victim.port, decode_responses=True).keys("*"))
        assert victim.stop(signal.SIGKILL) == -signal.SIGKILL
        with pytest.raises(redis.RedisError):
            client.get(owned[0])                                     # its keys are unavailable, not moved
        # Restarted on the same port and directory, as the proxy's configuration names it.
        shards[0] = ServerProcess([str(cairn_binary()), "--port", str(victim.port), "--dir", str(dirs[0])],
                                  victim.port, dirs[0])
        restarted = redis.Redis(port=shards[0].port, decode_responses=True)
        assert sorted(restarted.keys("*")) == owned
        values = retry(lambda: client.mget(owned))
        by_key = {k: v for k, v in zip(owned, values)}
        for key, value in by_key.items():
            if key.startswith("key:"):
                assert value == f"value-{key.split(':')[1]}"
        assert retry(lambda: client.get("key:0")) == "value-0"
        # MULTI is refused by the proxy (it closes the connection): transactions need one server.
        with pytest.raises(redis.ConnectionError):
            redis.Redis(port=listen, protocol=2, lib_name=None, lib_version=None).execute_command("MULTI")
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=10)
        for s in shards:
            s.stop()
