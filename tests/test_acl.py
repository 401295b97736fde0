"""ACL users against Debian's redis-server: ACL SETUSER's rules and errors, GETUSER/LIST
(the printed rules), DRYRUN, CAT, DELUSER, LOG; what a restricted user may run (commands,
keys by read/write permission, channels, inside MULTI and scripts); COMMAND INFO's
categories and key specifications; the ACL file (SAVE, LOAD, start-up, restart) and
`user` lines; connections closed when their user goes; real clients (redis-py, redis-cli)."""
import re
import socket
import subprocess
import time

import pytest
import redis

from conftest import ServerProcess, cairn_binary, free_port, served, start_cairn, start_redis
from resp import Connection, assert_same_replies, encode, raw_replies

_RULES = re.compile(rb"([+-]@all(?: [^\r\n]*)?)")


def same_rules(raw, known=None):
    """Redis prints single-command rules in its hash table's order, Cairn in its table's:
    the categories stay in place, the single commands are compared as a set (only those
    naming commands in `known`, when given: Redis has commands Cairn does not). Lengths
    are masked, as the commands Cairn lacks change them."""
    def sort(match):
        tokens = match.group(1).split(b" ")
        categories = [t for t in tokens if t[1:2] == b"@"]
        singles = sorted(t for t in tokens if t[1:2] != b"@"
                         and (known is None or t[1:].split(b"|")[0] in known or b"|" in t and t[1:] in known))
        return b" ".join(categories + singles)
    out = _RULES.sub(sort, raw)
    return re.sub(rb"\$\d+\r\n", b"$?\r\n", out) if known is not None else out


def command_names(port):
    with Connection(port) as c:
        c.send_raw(encode("COMMAND", "LIST"))
        return {n if isinstance(n, bytes) else n.encode() for n in c.read_reply()[0]}


SETUSER_CASES = [
    ["ACL", "SETUSER", "alice", "on", ">p1", "~k*", "%R~r*", "&ch*", "+@read", "-get", "+set", "+client|id"],
    ["ACL", "GETUSER", "alice"], ["ACL", "USERS"], ["ACL", "WHOAMI"],
    ["ACL", "SETUSER", "bob", "reset"], ["ACL", "GETUSER", "bob"], ["ACL", "GETUSER", "default"],
    ["ACL", "SETUSER", "alice", "+@all", "-@dangerous", "allkeys", "resetchannels"], ["ACL", "GETUSER", "alice"],
    ["ACL", "SETUSER", "alice", "nocommands", "+get", "+get", "-get", "+set", "+@string", "-@string"], ["ACL", "LIST"],
    ["ACL", "SETUSER", "x", "bogus"], ["ACL", "SETUSER", "x", "+nosuch"], ["ACL", "SETUSER", "x", "+@nosuch"],
    ["ACL", "SETUSER", "x", "~"], ["ACL", "SETUSER", "x", "#abc"], ["ACL", "SETUSER", "x", "<nothere"],
    ["ACL", "SETUSER", "x", "+get|x"], ["ACL", "SETUSER", "x", "+client|nosuch"], ["ACL", "SETUSER", "x", "-client|id"],
    ["ACL", "SETUSER", "f1"], ["ACL", "GETUSER", "f1"], ["ACL", "SETUSER", "f2", "%~k"], ["ACL", "SETUSER", "f3", "%RW"],
    ["ACL", "SETUSER", "f4", "%X~k"], ["ACL", "SETUSER", "f5", "%RW~*"], ["ACL", "SETUSER", "f6", "%R~a", "%W~a", "~b", "%R~b"],
    ["ACL", "SETUSER", "f7", "allkeys", "~x"], ["ACL", "SETUSER", "f7", "allchannels", "&x"],
    ["ACL", "SETUSER", "f8", "+@all", "-client|id", "-get", "+get|x", "+get|Y", "skip-sanitize-payload"],
    ["ACL", "SETUSER", "f9", "-@all", "+client", "-client|kill", "+config|get", "+client|nosuch"],
    ["ACL", "SETUSER", "f9", "+client|id|x"], ["ACL", "SETUSER", "f9", "+client|"], ["ACL", "SETUSER", "f9", "+get|"],
    ["ACL", "SETUSER", "f10", ">a", ">a", ">b", "<a", "nopass", ">c", "#" + "a" * 64, "!" + "b" * 64],
    ["ACL", "GETUSER", "f10"], ["ACL", "SETUSER", "f11", ""], ["ACL", "SETUSER", "f11", "ON"],
    ["ACL", "SETUSER", "f12", "+@all", "-@all", "+@slow"], ["ACL", "SETUSER", "f13", "on", "#" + "c" * 64, ">x", "!" + "c" * 64],
    ["ACL", "LIST"],
    ["ACL", "GETUSER", "nosuch"], ["ACL", "SETUSER", "a b"], ["ACL", "SETUSER", "f13", "clearselectors"],
    ["ACL", "DRYRUN", "alice", "get", "k1"], ["ACL", "DRYRUN", "alice", "set", "zz", "1"], ["ACL", "DRYRUN", "nobody", "get", "x"],
    ["ACL", "DRYRUN", "alice", "nosuch"], ["ACL", "DRYRUN", "alice", "get"], ["ACL", "DRYRUN", "f8", "get", "k"],
    ["ACL", "DRYRUN", "f8", "get", "x"], ["ACL", "DRYRUN", "f8", "get", "y"], ["ACL", "DRYRUN", "f8", "client", "id"],
    ["ACL", "DRYRUN", "f9", "client", "id"], ["ACL", "DRYRUN", "f9", "client", "kill", "id", "1"],
    ["ACL", "CAT"], ["ACL", "CAT", "nosuch"], ["ACL", "CAT", "a", "b"], ["ACL", "GENPASS", "0"], ["ACL", "GENPASS", "5000"],
    ["ACL", "GENPASS", "-5"], ["ACL", "GENPASS", "x"], ["ACL", "GENPASS", "1", "2"],
    ["ACL", "DELUSER", "default"], ["ACL", "DELUSER", "bob", "nosuch", "f1"], ["ACL", "USERS"],
    ["ACL", "LOG", "RESET", "x"], ["ACL", "LOG", "x"], ["ACL", "LOG", "-1"], ["ACL", "LOG", "-9223372036854775808"],
    ["ACL", "GENPASS", "9223372036854775807"], ["ACL", "GENPASS", "9223372036854775808"],
    ["CONFIG", "SET", "acllog-max-len", "9223372036854775808"], ["CONFIG", "SET", "acllog-max-len", "-1"], ["ACL", "HELP"], ["ACL", "SAVE"], ["ACL", "LOAD"],
    ["ACL", "NOSUCH"], ["ACL"], ["ACL", "SETUSER"], ["ACL", "GETUSER"], ["ACL", "WHOAMI", "x"], ["ACL", "DRYRUN", "f12"],
]


def test_acl_commands_reply_as_redis(cairn, redis_server):
    assert_same_replies(cairn.port, redis_server.port, SETUSER_CASES, normalize=same_rules)
    assert_same_replies(cairn.port, redis_server.port,
                        [["ACL", "GETUSER", u] for u in ["alice", "default", "f6", "f8", "f10"]] + [["ACL", "LIST"]],
                        resp3=True, normalize=same_rules)
    # Where Redis has commands Cairn lacks, the same categories are chosen to describe a user.
    known = command_names(cairn.port)
    assert_same_replies(cairn.port, redis_server.port, [
        ["ACL", "SETUSER", "f14", "+@all", "-@write", "-@admin", "+@hash"], ["ACL", "GETUSER", "f14"],
        ["ACL", "SETUSER", "f15", "-@all", "+@read", "+@string", "-@slow", "+xadd", "-get"], ["ACL", "GETUSER", "f15"],
    ], normalize=lambda raw: same_rules(raw, known))


def test_genpass_gives_random_hex_of_the_bits_asked():
    with served(start_cairn, "cairn-acl-") as cairn:
        r = redis.Redis(port=cairn.port, decode_responses=True)
        first, second = r.acl_genpass(), r.acl_genpass()
        assert re.fullmatch(r"[0-9a-f]{64}", first) and first != second
        assert len(r.acl_genpass(5)) == 2 and len(r.acl_genpass(4096)) == 1024 and len(r.acl_genpass(1)) == 1


USER_RULES = ["ACL", "SETUSER", "u", "on", ">pw", "~k*", "%R~r*", "%W~w*", "&ch*", "+@all", "-flushall", "-client|kill"]

AS_USER = [
    ["AUTH", "u", "bad"], ["AUTH", "nouser", "x"], ["GET", "k1"], ["AUTH", "u", "pw"], ["ACL", "WHOAMI"],
    ["GET", "zz"], ["GET", "k1"], ["GET", "r1"], ["SET", "r1", "x"], ["SET", "w1", "x"], ["GET", "w1"], ["INCR", "w1"],
    ["SET", "w1", "x", "GET"], ["SET", "w1", "y", "get"], ["FLUSHALL"], ["CLIENT", "KILL", "ID", "999"], ["CLIENT", "GETNAME"],
    ["PUBLISH", "zz", "x"], ["PUBLISH", "ch1", "x"], ["SPUBLISH", "zz", "x"],
    ["MULTI"], ["GET", "zz"], ["SET", "k1", "v"], ["EXEC"],
    ["MULTI"], ["SET", "k1", "v"], ["GET", "k1"], ["EXEC"],
    ["EVAL", "return redis.call('get','zz')", "0"], ["EVAL", "return redis.call('flushall')", "0"],
    ["EVAL", "return redis.pcall('set','r1','x')", "0"], ["EVAL", "return redis.call('publish','zz','x')", "0"],
    ["EVAL", "return 1", "1", "zz"], ["EVAL", "return 1", "1", "k1"], ["EVAL", "return 1", "1", "r1"], ["EVAL_RO", "return 1", "1", "r1"],
    ["EVAL", "return redis.acl_check_cmd('get','k1')", "0"], ["EVAL", "return redis.acl_check_cmd('get','zz')", "0"],
    ["EVAL", "return redis.acl_check_cmd('set','r1','x')", "0"], ["EVAL", "return redis.acl_check_cmd('flushall')", "0"],
    ["EVAL", "return redis.acl_check_cmd('nosuch')", "0"], ["EVAL", "return redis.acl_check_cmd('get')", "0"],
    ["LPUSH", "k1l", "a"], ["LMOVE", "k1l", "w1l", "LEFT", "LEFT"], ["LMOVE", "r1", "w1", "LEFT", "LEFT"], ["COPY", "r1", "w2"],
    ["COPY", "w1", "r2"], ["MGET", "k1", "r1", "w1"], ["MSET", "w1", "1", "w2", "2"], ["MSET", "w1", "1", "r2", "2"],
    ["ZUNIONSTORE", "w5", "2", "r1", "k1"], ["ZUNIONSTORE", "w5", "2", "r1", "w1"], ["ZUNIONSTORE", "w5", "99", "r1", "w1"],
    ["ZUNIONSTORE", "w5", "x", "r1"], ["XREAD", "STREAMS", "r1", "k1", "0", "0"], ["XREAD", "STREAMS", "r1", "w1", "0", "0"],
    ["XREAD", "COUNT", "1"], ["SORT", "k1", "STORE", "r9"], ["SORT", "k1", "STORE", "w9"], ["SORT_RO", "zz"],
    ["RPUSH", "k1s", "3", "1", "2"], ["SORT", "k1s", "BY", "w*"], ["SORT", "k1s", "BY", "nosort"], ["SORT", "k1s", "GET", "#"],
    ["SORT_RO", "k1s", "GET", "k*"], ["SORT", "k1s", "BY", "k*", "GET", "#"],
    ["EXISTS", "w1"], ["EXISTS", "zz"], ["TYPE", "r1"], ["DEL", "r1"], ["DEL", "w1"], ["RENAME", "k1", "w1"], ["RENAME", "w1", "k1"],
    ["BLPOP", "w1", "k1", "0.01"], ["BLPOP", "k1", "0.01"], ["HSET", "w3", "f", "v"], ["HGET", "w3", "f"], ["SINTERSTORE", "w4", "r1", "k1"],
    ["XADD", "w6", "1-1", "f", "v"], ["XLEN", "w6"], ["OBJECT", "ENCODING", "r1"], ["ACL", "DRYRUN", "u", "get", "zz"],
    ["DBSIZE"], ["KEYS", "nomatch*"],
    ["SUBSCRIBE", "zz"], ["PSUBSCRIBE", "ch1*"], ["SSUBSCRIBE", "zz"], ["PSUBSCRIBE", "ch*"], ["PSUBSCRIBE", "ch*"],
    ["UNSUBSCRIBE", "zz"], ["PUNSUBSCRIBE"], ["RESET"], ["ACL", "WHOAMI"],
]


@pytest.mark.parametrize("resp3", [False, True])
def test_restricted_user_is_refused_as_redis(cairn, redis_server, resp3):
    for port in (cairn.port, redis_server.port):
        raw_replies(port, [USER_RULES, ["ACL", "LOG", "RESET"]])
    assert_same_replies(cairn.port, redis_server.port, AS_USER, resp3=resp3)
    # The log of refusals: the same entries, counts, contexts and objects.
    logs = []
    for port in (cairn.port, redis_server.port):
        r = redis.Redis(port=port, decode_responses=True)
        entries = r.acl_log(count=100)
        logs.append([{k: v for k, v in e.items() if k not in ("age-seconds", "client-info")} for e in entries])
        # redis-py parses client-info as CLIENT LIST's fields.
        assert all(e["client-info"]["user"] == e["username"] or e["reason"] == "auth" for e in entries)
        assert all(0 <= float(e["age-seconds"]) < 60 for e in entries)
    assert logs[0] == logs[1]


def test_changed_rules_apply_to_open_connections_and_closes_those_they_must(cairn):
    admin = redis.Redis(port=cairn.port, decode_responses=True, socket_timeout=5)
    admin.acl_setuser("worker", enabled=True, passwords=["+pw"], keys=["job:*"], channels=["jobs"],
                      commands=["+@all"])
    worker = redis.Redis(port=cairn.port, username="worker", password="pw", decode_responses=True, socket_timeout=5)
    assert worker.acl_whoami() == "worker"
    assert worker.set("job:1", "x") is True
    with pytest.raises(redis.exceptions.NoPermissionError):
        worker.get("other")
    admin.acl_setuser("worker", enabled=True, keys=["other"])   # rules added to the same user
    assert worker.get("other") is None

    # A subscriber whose channel is taken away is disconnected, as Redis 7.0 does.
    listener = socket.create_connection(("127.0.0.1", cairn.port), timeout=5)
    listener.sendall(encode("AUTH", "worker", "pw") + encode("SUBSCRIBE", "jobs"))
    time.sleep(0.3)
    assert listener.recv(4096).startswith(b"+OK\r\n*3\r\n$9\r\nsubscribe")
    admin.acl_setuser("worker", enabled=True, reset_channels=True, channels=["other"])
    assert listener.recv(4096) == b""      # closed by the server
    listener.close()
    # Deleting a user closes its connections.
    assert admin.acl_deluser("worker") == 1
    with pytest.raises(redis.exceptions.ConnectionError):
        worker.get("job:1")
    names = [c["user"] for c in admin.client_list()]
    assert "worker" not in names


def test_command_info_matches_redis(cairn, redis_server):
    """Arity, flags, key positions, ACL categories and key specifications of every command."""
    def table(port):
        out = {}
        with Connection(port) as c:
            c.send_raw(encode("COMMAND"))
            for info in c.read_reply()[0]:
                for entry in [info] + list(info[9]):
                    out[entry[0]] = [entry[0], entry[1], sorted(entry[2]), entry[3], entry[4], entry[5],
                                     sorted(entry[6]), entry[8]]
        return out
    cairn_table, redis_table = table(cairn.port), table(redis_server.port)
    for name, described in cairn_table.items():
        if name == b"client|no-touch":     # Redis 7.2's; Cairn accepts it early
            continue
        assert described == redis_table[name], name
    assert len(cairn_table) > 250


def start_redis_in(workdir, *flags):
    port = free_port()
    return ServerProcess(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir),
                          *flags], port, workdir)


INITIAL_ACL = "user default on nopass ~* &* +@all\nuser alice on >pw ~k* +get\n"


def test_acl_file_save_load_and_restart(tmp_path):
    cdir, rdir = tmp_path / "c", tmp_path / "r"
    cdir.mkdir()
    rdir.mkdir()
    for d in (cdir, rdir):
        (d / "users.acl").write_text(INITIAL_ACL)
    with start_cairn(cdir, "--aclfile", "users.acl", "--appendonly", "yes", "--appendfsync", "always") as cairn, \
            start_redis_in(rdir, "--aclfile", str(rdir / "users.acl")) as redis_server:
        assert_same_replies(cairn.port, redis_server.port, [
            ["ACL", "LIST"], ["AUTH", "alice", "pw"], ["GET", "k1"], ["SET", "k1", "v"], ["ACL", "SAVE"]],
            normalize=same_rules)
        assert_same_replies(cairn.port, redis_server.port, [
            ["ACL", "SETUSER", "dave", "on", ">x", "+@read", "-@dangerous", "~d*", "%W~w*", "&news"],
            ["ACL", "SAVE"]], normalize=same_rules)
        assert same_rules((cdir / "users.acl").read_bytes()) == same_rules((rdir / "users.acl").read_bytes())
        # Connections of users replaced by ACL LOAD are closed; load errors change nothing.
        dave = redis.Redis(port=cairn.port, username="dave", password="x", socket_timeout=5)
        assert dave.get("d1") is None
        with pytest.raises(redis.exceptions.NoPermissionError):
            dave.acl_whoami()         # not @read
        for d in (cdir, rdir):
            (d / "users.acl").write_text("user alice on >pw ~k* +get\n\n# comment\nuser bob bogus\nuser alice off\n")
        got = raw_replies(cairn.port, [["ACL", "LOAD"], ["ACL", "USERS"]])
        want = raw_replies(redis_server.port, [["ACL", "LOAD"], ["ACL", "USERS"]])
        assert [g.replace(str(cdir / "users.acl").encode(), b"PATH") for g in got] == \
               [w.replace(str(rdir / "users.acl").encode(), b"PATH") for w in want]
        assert b"should start with user keyword" in got[0] and b"dave" in got[1]
        for d in (cdir, rdir):
            (d / "users.acl").write_text("user carol on >c ~* +@all\n")
        assert_same_replies(cairn.port, redis_server.port, [["ACL", "LOAD"], ["ACL", "LIST"]], normalize=same_rules)
        with pytest.raises(redis.exceptions.ConnectionError):
            dave.get("d1")
        (cdir / "users.acl").unlink()
        assert raw_replies(cairn.port, [["ACL", "LOAD"]])[0].startswith(b"-ERR Error loading ACLs, opening file '")
        r = redis.Redis(port=cairn.port, decode_responses=True)
        r.acl_setuser("erin", enabled=True, passwords=["+e"], keys=["e*"], commands=["+@all"])
        assert r.acl_save() is True
        before = r.acl_list()
        r.set("data", "kept")
    # After a restart the users come back from the file, and the data from the log.
    with start_cairn(cdir, "--aclfile", "users.acl", "--appendonly", "yes") as cairn:
        r = redis.Redis(port=cairn.port, decode_responses=True)
        assert r.acl_list() == before
        assert r.get("data") == "kept"
        erin = redis.Redis(port=cairn.port, username="erin", password="e", decode_responses=True)
        assert erin.set("e1", "1") is True
        with pytest.raises(redis.exceptions.NoPermissionError):
            erin.get("data")


def start_failure(workdir, *flags):
    """Runs cairn-server expecting it to refuse to start; returns its output."""
    proc = subprocess.run([str(cairn_binary()), "--port", str(free_port()), "--appendonly", "no", *flags],
                          cwd=workdir, capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    return proc.stdout + proc.stderr


def test_user_lines_in_the_config_and_startup_errors(tmp_path):
    conf = tmp_path / "cairn.conf"
    conf.write_text('user alice on >secret ~app:* +@all -@dangerous\nuser default on nopass ~* &* +@all\n')
    port = free_port()
    with ServerProcess([str(cairn_binary()), str(conf), "--port", str(port), "--appendonly", "no"], port, tmp_path) as cairn:
        alice = redis.Redis(port=cairn.port, username="alice", password="secret", decode_responses=True)
        assert alice.set("app:1", "x") is True
        with pytest.raises(redis.exceptions.NoPermissionError):
            alice.flushall()
        out = subprocess.run(["redis-cli", "-p", str(cairn.port), "--user", "alice", "--pass", "secret",
                              "--no-auth-warning", "GET", "app:1"], capture_output=True, text=True, timeout=10)
        assert out.stdout.strip() == "x"
        out = subprocess.run(["redis-cli", "-p", str(cairn.port), "--user", "alice", "--pass", "secret",
                              "--no-auth-warning", "KEYS", "*"], capture_output=True, text=True, timeout=10)
        assert "NOPERM" in out.stdout + out.stderr
    assert "Error in user declaration 'bob': Syntax error" in start_failure(tmp_path, "--user", "bob", "bogus")
    (tmp_path / "u.acl").write_text("user x on\n")
    assert "not both" in start_failure(tmp_path, "--aclfile", "u.acl", "--user", "bob", "on")
    assert "Error loading ACLs, opening file" in start_failure(tmp_path, "--aclfile", "missing.acl")
    (tmp_path / "bad.acl").write_text("user x bogus\n")
    assert "Aborting Cairn startup because of ACL errors" in start_failure(tmp_path, "--aclfile", "bad.acl")


def test_requirepass_is_the_default_users_password(cairn, redis_server):
    assert_same_replies(cairn.port, redis_server.port, [
        ["CONFIG", "SET", "dir", "/tmp"], ["CONFIG", "SET", "enable-protected-configs", "yes"],
        ["CONFIG", "GET", "enable-protected-configs"], ["CONFIG", "GET", "enable-debug-command"],
        ["CONFIG", "SET", "requirepass", "s3cret"], ["ACL", "GETUSER", "default"], ["ACL", "LIST"],
        ["ACL", "SETUSER", "default", "off"], ["AUTH", "s3cret"], ["ACL", "SETUSER", "default", "on"],
        ["AUTH", "s3cret"], ["CONFIG", "SET", "requirepass", ""], ["ACL", "GETUSER", "default"],
    ])


GETKEYS = [
    ["COMMAND", "GETKEYS"], ["COMMAND", "GETKEYS", "GET"], ["COMMAND", "GETKEYS", "nosuch", "x"],
    ["COMMAND", "GETKEYS", "PING", "x"], ["COMMAND", "GETKEYS", "GET", "a", "b"], ["COMMAND", "GETKEYS", "EVAL", "s", "0"],
    ["COMMAND", "GETKEYS", "EVAL", "s", "2", "a"], ["COMMAND", "GETKEYS", "EVAL", "s", "2", "a", "b", "c"],
    ["COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "5", "a"], ["COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "x", "a"],
    ["COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "9223372036854775807", "a"], ["COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "-1", "a"],
    ["COMMAND", "GETKEYSANDFLAGS", "LMOVE", "a", "b", "LEFT", "LEFT"], ["COMMAND", "GETKEYS", "XINFO", "STREAM", "s"],
    ["COMMAND", "GETKEYS", "XINFO", "x"], ["COMMAND", "GETKEYS", "SORT", "k", "STORE", "d"],
    ["COMMAND", "GETKEYSANDFLAGS", "SORT", "k", "LIMIT", "0", "1", "GET", "store", "STORE", "d"],
    ["COMMAND", "GETKEYS", "XREAD", "STREAMS", "a", "b", "1", "2"], ["COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "x"],
    ["COMMAND", "GETKEYS", "SPUBLISH", "ch", "m"], ["COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v", "GET"],
    ["COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v", "EX", "1"], ["COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"],
    ["COMMAND", "GETKEYS", "BLMPOP", "0", "2", "a", "b", "LEFT"], ["COMMAND", "GETKEYS", "BLPOP", "a", "b", "0"],
    ["COMMAND", "GETKEYSANDFLAGS", "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"], ["COMMAND", "GETKEYS", "CLIENT", "LIST"],
    ["COMMAND", "GETKEYSANDFLAGS", "COPY", "a", "b"], ["COMMAND", "GETKEYSANDFLAGS", "SINTERCARD", "2", "a", "b", "LIMIT", "1"],
    ["COMMAND", "GETKEYS", "FCALL", "f", "1", "k"], ["COMMAND", "GETKEYS", "EVAL", "s", "-9223372036854775808", "a"],
    ["COMMAND", "GETKEYS", "EVAL", "s", "99999999999999999999", "a"], ["COMMAND", "GETKEYS", "XREAD", "STREAMS"], ["COMMAND", "GETKEYSANDFLAGS", "DEL", "a", "b"], ["COMMAND", "HELP"],
]


@pytest.mark.parametrize("resp3", [False, True])
def test_getkeys_as_redis(cairn, redis_server, resp3):
    assert_same_replies(cairn.port, redis_server.port, GETKEYS, resp3=resp3)


def test_monitor_never_shows_passwords(cairn):
    with Connection(cairn.port) as monitor:
        monitor.send_raw(encode("MONITOR"))
        assert monitor.read_reply()[0] == "OK"
        raw_replies(cairn.port, [["ACL", "SETUSER", "m", "on", ">hunter2", "+@all", "~*"], ["AUTH", "m", "hunter2"],
                                 ["HELLO", "2", "AUTH", "m", "hunter2"], ["CONFIG", "SET", "requirepass", "hunter2"],
                                 ["AUTH", "hunter2"], ["CONFIG", "SET", "requirepass", ""], ["ECHO", "done"]])
        seen = b""
        while b'"done"' not in seen:
            seen += monitor.read_reply()[1]
    assert b"hunter2" not in seen
    assert b'"AUTH" "(redacted)" "(redacted)"' in seen and b'"HELLO" "2" "AUTH" "(redacted)" "(redacted)"' in seen
