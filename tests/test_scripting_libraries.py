"""The `struct` and `cmsgpack` libraries Redis embeds (kept in Sources/CCairnLua/vendor/),
against Debian's redis-server: the same scripts, byte-identical replies, and random
inputs that must end in the same reply (a value or a Lua error), never in a crash.
"""
import random

import pytest

from resp import Connection, assert_same_replies, encode


def E(script, *args):
    return ["EVAL", script, "0", *args]


CASES = {
    "struct": [E(s) for s in [
        "return struct.pack('>i2', 258)", "return struct.pack('<i4', -2)", "return struct.pack('>I8', 2^40)",
        "return struct.pack('bBhHlL', -1, 255, -300, 60000, -7, 7)", "return struct.pack('!4 b i', 1, 2)",
        "return struct.pack('c0', 'whole string')", "return struct.pack('c3', 'abcdef')", "return struct.pack('s', 'zero')",
        "return struct.pack('>d', 1.5)", "return struct.pack('<f', -0.25)", "return struct.pack('x i1', 9)",
        "return {struct.unpack('>i2', struct.pack('>i2', -5))}", "return {struct.unpack('<I4 c2', '\\1\\0\\0\\0hi')}",
        "return {struct.unpack('b c0', '\\3abc')}", "return {struct.unpack('s i1', 'ab\\0\\7')}",
        "return {struct.unpack('>d', struct.pack('>d', 3.25))}", "return {struct.unpack('i2', 'abcd', 3)}",
        "return {struct.size('i4'), struct.size('>!8 b d'), struct.size('c10'), struct.size('T')}",
        # Errors, as Redis words them.
        "return struct.pack('i17', 1)", "return struct.pack('i0', 1)", "return struct.pack('q', 1)",
        "return struct.pack('i99999999999', 1)", "return struct.pack('!3 i', 1)", "return struct.pack('i4')",
        "return {struct.unpack('i4', 'ab')}", "return {struct.unpack('c5', 'abc')}", "return {struct.unpack('s', 'abc')}",
        "return {struct.unpack('i2', 'abcd', 10)}", "return {struct.unpack('i2', 'abcd', -1)}",
        "return struct.size('s')", "return struct.size('c0')", "return struct.pack('c2', 5)",
        "struct.pack = nil", "struct.extra = 1", "return type(struct)",
    ]],
    "cmsgpack": [E(s) for s in [
        "return cmsgpack.pack(1, -1, 127, 128, -33, 65536, -2^31, 2^32, 2^53)", "return cmsgpack.pack(1.5, -0.1, 1e300)",
        "return cmsgpack.pack('', 'x', string.rep('y', 40), string.rep('z', 300), string.rep('w', 70000))",
        "return cmsgpack.pack(true, false, nil)", "return cmsgpack.pack({})", "return cmsgpack.pack({1, 2, 3})",
        "return cmsgpack.pack({a = 1})", "return cmsgpack.pack({1, 2, nil, 4})", "return cmsgpack.pack({[1] = 'a', [3] = 'b'})",
        "return cmsgpack.pack({1, {2, {3, {4}}}})",
        "local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return cmsgpack.pack(t)",
        "local t = {} t[1] = t return cmsgpack.pack(t)", "return cmsgpack.pack(function() end)", "return cmsgpack.pack()",
        "return cmsgpack.unpack(cmsgpack.pack({1, 'two', {3}, true}))",
        "local t = cmsgpack.unpack(cmsgpack.pack({a = 1, b = 'x'})) return {t.a, t.b}",
        "return {cmsgpack.unpack(cmsgpack.pack(1, 2, 3))}", "return cmsgpack.unpack(cmsgpack.pack(2^53))",
        "return cmsgpack.unpack(cmsgpack.pack(-1.25))", "return tostring(cmsgpack.unpack(cmsgpack.pack(0.1)))",
        "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}", "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), 1)}",
        "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}", "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2), 5)}",
        "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, 2)}", "return {cmsgpack.unpack_one(cmsgpack.pack(1), 9)}",
        "return cmsgpack.unpack('')", "return cmsgpack.unpack('\\192')", "return cmsgpack.unpack('\\193')",
        "return cmsgpack.unpack('\\220\\255\\255')", "return cmsgpack.unpack('\\221\\255\\255\\255\\255')",
        "return cmsgpack.unpack('\\223\\0\\0\\0\\2\\1')", "return cmsgpack.unpack('\\217\\10abc')",
        "return cmsgpack.unpack(string.rep('\\145', 5000) .. '\\1')",
        "return cmsgpack.unpack(string.rep('\\129', 5000) .. '\\1\\1')", "return cmsgpack.unpack(5)",
        "return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}",
        "cmsgpack.pack = nil", "return type(cmsgpack_safe)",
    ]],
    # Numbers a script passes in: Int64 limits, -1, huge, non-numeric.
    "boundaries": [
        *[E("return {struct.unpack('i2', 'abcd', tonumber(ARGV[1]))}", n)
          for n in ("9223372036854775807", "-9223372036854775808", "-1", "0")],
        E("return {struct.unpack('i2', 'abcd', ARGV[1])}", "abc"),
        E("return struct.pack('c' .. ARGV[1], 'x')", "9223372036854775807"),
        E("return struct.size('c' .. ARGV[1])", "99999999999999999999"),
        E("return struct.pack('!' .. ARGV[1] .. 'i', 1)", "4294967296"),
        *[E("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2), tonumber(ARGV[1]), tonumber(ARGV[2]))}", a, b)
          for a, b in (("9223372036854775807", "0"), ("1", "9223372036854775807"), ("1", "-9223372036854775808"),
                       ("-1", "0"), ("1", "-1"))],
        E("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), ARGV[1])}", "abc"),
        *[E("return cmsgpack.pack(tonumber(ARGV[1]))", n) for n in ("9223372036854775807", "-9223372036854775808", "1e400")],
        ["PING"],
    ],
    # ARGV bytes decoded and re-encoded, as applications ship msgpack through scripts.
    "through-argv": [
        E("return cmsgpack.unpack(ARGV[1])", b"\x93\x01\xa3abc\xc3"),
        E("return cmsgpack.pack(cmsgpack.unpack(ARGV[1]))", b"\x82\xa1a\x01\xa1b\x92\x02\x03"),
        E("return {struct.unpack('>I2 >i4', ARGV[1])}", b"\x01\x02\xff\xff\xff\xfe"),
        E("return struct.pack('>I2', tonumber(ARGV[1]))", "513"),
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_struct_and_cmsgpack_reply_as_redis(cairn, redis_server, name):
    assert_same_replies(cairn.port, redis_server.port, CASES[name])


def test_functions_see_the_libraries_too(cairn, redis_server):
    code = ("#!lua name=libs\nredis.register_function('packs', function(keys, args) "
            "return {cmsgpack.pack({1, args[1]}), struct.pack('>i2', 7)} end)")
    assert_same_replies(cairn.port, redis_server.port, [
        ["FUNCTION", "LOAD", code], ["FCALL", "packs", "0", "x"], ["FUNCTION", "FLUSH"]])


def random_bytes(rng, length):
    # Mostly msgpack's own type bytes, so the decoder goes deep instead of failing at once.
    markers = [0x90, 0x91, 0x92, 0x80, 0x81, 0xa1, 0xa3, 0xc0, 0xc2, 0xc3, 0xca, 0xcb, 0xcc, 0xcd, 0xce,
               0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0x00, 0x7f, 0xff, 0xe0]
    return bytes(rng.choice(markers) if rng.random() < 0.7 else rng.randrange(256) for _ in range(length))


def random_format(rng):
    items = ["b", "B", "h", "H", "l", "L", "T", "i", "I", "i1", "i3", "I7", "i8", "i16", "i17", "c0", "c1", "c4",
             "c99", "s", "f", "d", "x", "<", ">", "!", "!2", "!8", "!3", " ", "q", "i0"]
    return "".join(rng.choice(items) for _ in range(rng.randrange(1, 6)))


def test_random_inputs_get_redis_replies_and_the_server_keeps_serving(cairn, redis_server):
    """Random msgpack bytes and struct formats over data: each reply is Redis's (a value or
    the same Lua error), and the server answers PING afterwards. Seeded, so a failure
    repeats."""
    rng = random.Random(20261127)
    commands = []
    for _ in range(400):
        data = random_bytes(rng, rng.randrange(0, 40))
        commands.append(E("return {cmsgpack.unpack(ARGV[1])}", data))
        commands.append(E("return {cmsgpack.unpack_limit(ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))}",
                          data, str(rng.randrange(-2, 5)), str(rng.randrange(-2, 45))))
        fmt = random_format(rng)
        commands.append(E("return {struct.unpack(ARGV[1], ARGV[2])}", fmt, random_bytes(rng, rng.randrange(0, 40))))
        commands.append(E("return struct.size(ARGV[1])", fmt))
        commands.append(E("return struct.pack(ARGV[1], 1, 2, 3, 4, 5)", fmt))
    assert_same_replies(cairn.port, redis_server.port, commands)
    with Connection(cairn.port) as c:
        c.send_raw(encode("PING"))
        assert c.read_reply()[1] == b"+PONG\r\n"
