"""cairn-check-aof on real files: verdicts, exit codes, --fix, --truncate-to-timestamp."""
import subprocess
from pathlib import Path

import redis

from conftest import cairn_binary, start_cairn
from resp import encode


def check(*args, stdin=""):
    tool = cairn_binary().parent / "cairn-check-aof"
    return subprocess.run([str(tool), *args], input=stdin, capture_output=True, text=True, timeout=60)


def make_log(workdir, keys=5):
    server = start_cairn(workdir)
    r = redis.Redis(port=server.port)
    for i in range(keys):
        r.set(f"k{i}", f"v{i}")
    r.close()
    server.stop()
    directory = Path(workdir) / "appendonlydir"
    return directory, directory / "appendonly.aof.1.incr.aof"


def test_a_valid_log_exits_0(tmp_path):
    directory, _ = make_log(tmp_path)
    result = check(str(directory / "appendonly.aof.manifest"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "appendonly.aof.1.incr.aof: OK, 6 commands" in result.stdout
    assert check(str(directory)).returncode == 0


def test_a_torn_tail_is_reported_and_fixed(tmp_path):
    directory, incr = make_log(tmp_path)
    data = incr.read_bytes()
    incr.write_bytes(data[:-9])
    result = check(str(directory))
    assert result.returncode == 1
    assert "valid up to offset" in result.stdout and "torn tail" in result.stdout
    declined = check("--fix", str(directory), stdin="n\n")
    assert declined.returncode == 1 and "Left unchanged" in declined.stdout
    assert len(incr.read_bytes()) == len(data) - 9
    fixed = check("--fix", "--yes", str(directory))
    assert fixed.returncode == 0, fixed.stdout
    assert check(str(directory)).returncode == 0
    # The repaired log loads even with aof-load-truncated no.
    with start_cairn(tmp_path, "--aof-load-truncated", "no") as server:
        r = redis.Redis(port=server.port, decode_responses=True)
        assert r.mget(["k0", "k3", "k4"]) == ["v0", "v3", None]
        r.close()


def test_corruption_is_not_cut_by_fix(tmp_path):
    directory, incr = make_log(tmp_path)
    data = bytearray(incr.read_bytes())
    second = data.index(b"#CAIRN:", data.index(b"#CAIRN:") + 1)
    data[second + 35] ^= 0xFF
    incr.write_bytes(bytes(data))
    result = check("--fix", "--yes", str(directory))
    assert result.returncode == 1
    assert "corruption" in result.stdout and "Not a torn tail" in result.stdout
    # The damage is placed at the batch it is in: where a cut would have to go.
    assert f"valid data follows the damage at offset {second}." in result.stdout, result.stdout
    assert incr.read_bytes() == bytes(data)


def test_truncate_to_timestamp_cuts_at_a_ts_annotation(tmp_path):
    directory = tmp_path / "appendonlydir"
    directory.mkdir()
    (directory / "appendonly.aof.manifest").write_text("file appendonly.aof.1.incr.aof seq 1 type i\n")
    incr = directory / "appendonly.aof.1.incr.aof"
    early = b"#TS:1000\r\n" + encode("SELECT", "0") + encode("SET", "early", "1")
    late = b"#TS:2000\r\n" + encode("SET", "late", "1")
    incr.write_bytes(early + late)
    result = check("--truncate-to-timestamp", "1500", "--yes", str(directory))
    assert result.returncode == 0, result.stdout + result.stderr
    assert incr.read_bytes() == early


def test_bad_input_gives_a_message_and_exit_2(tmp_path):
    missing = check(str(tmp_path / "nothing.aof"))
    assert missing.returncode == 2 and "No such file" in missing.stderr
    (tmp_path / "bad.manifest").write_text("file x seq nope type i\n")
    bad = check(str(tmp_path / "bad.manifest"))
    assert bad.returncode == 2 and "Invalid manifest" in bad.stderr
    assert "Traceback" not in bad.stderr and "Fatal error" not in bad.stderr
