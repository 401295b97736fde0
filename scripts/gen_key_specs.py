#!/usr/bin/env python3
"""Writes Sources/CairnCommands/Access/KeySpecTable.swift: Redis 7.0's key specifications
(where each command's keys are and how it uses them) for every command Cairn has, read
from a running Redis 7.0 and a running Cairn with COMMAND.

    python3 scripts/gen_key_specs.py REDIS_PORT CAIRN_PORT

Cairn uses them for ACL key permissions (`%R~`, `%W~`), COMMAND INFO and COMMAND
GETKEYS; tests/test_acl.py checks COMMAND INFO against Redis, so a command added to
Cairn without running this again shows up there."""
import socket
import sys
from pathlib import Path


def command(port, *args):
    sock = socket.create_connection(("127.0.0.1", port))
    f = sock.makefile("rb")
    sock.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a.encode()) for a in args))

    def read():
        line = f.readline()
        kind, body = line[:1], line[1:-2]
        if kind == b"+":
            return body.decode()
        if kind == b":":
            return int(body)
        if kind == b"$":
            return f.read(int(body) + 2)[:-2].decode()
        if kind == b"*":
            return [read() for _ in range(int(body))]
        raise RuntimeError(line)
    reply = read()
    sock.close()
    return reply


def pairs(flat):
    return dict(zip(flat[::2], flat[1::2]))


def swift_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


FLAGS = {"RO": ".ro", "RW": ".rw", "OW": ".ow", "RM": ".rm", "access": ".access", "update": ".update",
         "insert": ".insert", "delete": ".delete", "not_key": ".notKey", "incomplete": ".incomplete",
         "variable_flags": ".variableFlags"}


def swift_spec(spec):
    d = pairs(spec)
    begin, find = pairs(d["begin_search"]), pairs(d["find_keys"])
    bspec, fspec = pairs(begin["spec"]), pairs(find["spec"])
    if begin["type"] == "index":
        b = f".index({bspec['index']})"
    elif begin["type"] == "keyword":
        b = f".keyword({swift_string(bspec['keyword'])}, startFrom: {bspec['startfrom']})"
    else:
        b = ".unknown"
    if find["type"] == "range":
        k = f".range(lastKey: {fspec['lastkey']}, keyStep: {fspec['keystep']}, limit: {fspec['limit']})"
    elif find["type"] == "keynum":
        k = f".keyNumber(index: {fspec['keynumidx']}, firstKey: {fspec['firstkey']}, keyStep: {fspec['keystep']})"
    else:
        k = ".unknown"
    flags = ", ".join(FLAGS[f] for f in d["flags"])
    notes = f", notes: {swift_string(d['notes'])}" if "notes" in d else ""
    return f"KeySpec(begin: {b}, find: {k}, flags: [{flags}]{notes})"


def main():
    redis_port, cairn_port = int(sys.argv[1]), int(sys.argv[2])
    cairn = set()
    for info in command(cairn_port, "COMMAND"):
        cairn.add(info[0])
        cairn.update(sub[0] for sub in info[9])
    entries = []
    for info in command(redis_port, "COMMAND"):
        for c in [info] + info[9]:
            if c[0] in cairn and c[8]:
                specs = ",\n            ".join(swift_spec(s) for s in c[8])
                entries.append(f"        {swift_string(c[0])}: [\n            {specs},\n        ],")
    entries.sort()
    out = Path(__file__).resolve().parent.parent / "Sources/CairnCommands/Access/KeySpecTable.swift"
    out.write_text(
        "// Written by scripts/gen_key_specs.py from Redis 7.0's COMMAND output; run it again\n"
        "// after adding a command that takes keys.\n\n"
        "extension KeySpec {\n"
        "    /// Key specifications by command name (`container|sub` for subcommands).\n"
        "    static let table: [String: [KeySpec]] = [\n" + "\n".join(entries) + "\n    ]\n}\n")
    print(f"{len(entries)} commands with keys -> {out}")


if __name__ == "__main__":
    main()
