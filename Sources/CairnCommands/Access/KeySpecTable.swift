// Written by scripts/gen_key_specs.py from Redis 7.0's COMMAND output; run it again
// after adding a command that takes keys.

extension KeySpec {
    /// Key specifications by command name (`container|sub` for subcommands).
    static let table: [String: [KeySpec]] = [
        "append": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "blmove": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "blmpop": [
            KeySpec(begin: .index(2), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.rw, .access, .delete]),
        ],
        "blpop": [
            KeySpec(begin: .index(1), find: .range(lastKey: -2, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
        ],
        "brpop": [
            KeySpec(begin: .index(1), find: .range(lastKey: -2, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
        ],
        "brpoplpush": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "bzmpop": [
            KeySpec(begin: .index(2), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.rw, .access, .delete]),
        ],
        "bzpopmax": [
            KeySpec(begin: .index(1), find: .range(lastKey: -2, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
        ],
        "bzpopmin": [
            KeySpec(begin: .index(1), find: .range(lastKey: -2, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
        ],
        "copy": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ow, .update]),
        ],
        "decr": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .update]),
        ],
        "decrby": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .update]),
        ],
        "del": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.rm, .delete]),
        ],
        "eval": [
            KeySpec(begin: .index(2), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.rw, .access, .update], notes: "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"),
        ],
        "eval_ro": [
            KeySpec(begin: .index(2), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.ro, .access], notes: "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"),
        ],
        "evalsha": [
            KeySpec(begin: .index(2), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.rw, .access, .update]),
        ],
        "evalsha_ro": [
            KeySpec(begin: .index(2), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.ro, .access]),
        ],
        "exists": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "expire": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "expireat": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "expiretime": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "fcall": [
            KeySpec(begin: .index(2), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.rw, .access, .update], notes: "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"),
        ],
        "fcall_ro": [
            KeySpec(begin: .index(2), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.ro, .access], notes: "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"),
        ],
        "get": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "getdel": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
        ],
        "getex": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .update], notes: "RW and UPDATE because it changes the TTL"),
        ],
        "getrange": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "getset": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .update]),
        ],
        "hdel": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "hexists": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "hget": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "hgetall": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "hincrby": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .update]),
        ],
        "hincrbyfloat": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .update]),
        ],
        "hkeys": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "hlen": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "hmget": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "hmset": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "hrandfield": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "hscan": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "hset": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "hsetnx": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "hstrlen": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "hvals": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "incr": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .update]),
        ],
        "incrby": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .update]),
        ],
        "incrbyfloat": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .update]),
        ],
        "lindex": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "linsert": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "llen": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "lmove": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "lmpop": [
            KeySpec(begin: .index(1), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.rw, .access, .delete]),
        ],
        "lpop": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
        ],
        "lpos": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "lpush": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "lpushx": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "lrange": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "lrem": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "lset": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "ltrim": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "mget": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "move": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .update]),
        ],
        "mset": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 2, limit: 0), flags: [.ow, .update]),
        ],
        "msetnx": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 2, limit: 0), flags: [.ow, .insert]),
        ],
        "object|encoding": [
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "object|freq": [
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "object|idletime": [
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "object|refcount": [
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "persist": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "pexpire": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "pexpireat": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "pexpiretime": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "psetex": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ow, .update]),
        ],
        "pttl": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "rename": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ow, .update]),
        ],
        "renamenx": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ow, .insert]),
        ],
        "rpop": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
        ],
        "rpoplpush": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "rpush": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "rpushx": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "sadd": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "scard": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "sdiff": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "sdiffstore": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ow, .update]),
            KeySpec(begin: .index(2), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "set": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .update, .variableFlags], notes: "RW and ACCESS due to the optional `GET` argument"),
        ],
        "setex": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ow, .update]),
        ],
        "setnx": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ow, .insert]),
        ],
        "setrange": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "sinter": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "sintercard": [
            KeySpec(begin: .index(1), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.ro, .access]),
        ],
        "sinterstore": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
            KeySpec(begin: .index(2), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "sismember": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "smembers": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "smismember": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "smove": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "sort": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
            KeySpec(begin: .unknown, find: .unknown, flags: [.ro, .access], notes: "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"),
            KeySpec(begin: .unknown, find: .unknown, flags: [.ow, .update], notes: "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array"),
        ],
        "sort_ro": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
            KeySpec(begin: .unknown, find: .unknown, flags: [.ro, .access], notes: "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"),
        ],
        "spop": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
        ],
        "spublish": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.notKey]),
        ],
        "srandmember": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "srem": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "sscan": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "ssubscribe": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.notKey]),
        ],
        "strlen": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "sunion": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "sunionstore": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ow, .update]),
            KeySpec(begin: .index(2), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "sunsubscribe": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.notKey]),
        ],
        "touch": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "ttl": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "type": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "unlink": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.rm, .delete]),
        ],
        "watch": [
            KeySpec(begin: .index(1), find: .range(lastKey: -1, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "xack": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "xadd": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update], notes: "UPDATE instead of INSERT because of the optional trimming feature"),
        ],
        "xautoclaim": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "xclaim": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "xdel": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "xgroup|create": [
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "xgroup|createconsumer": [
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .insert]),
        ],
        "xgroup|delconsumer": [
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "xgroup|destroy": [
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "xgroup|setid": [
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "xinfo|consumers": [
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "xinfo|groups": [
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "xinfo|stream": [
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "xlen": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "xpending": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "xrange": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "xread": [
            KeySpec(begin: .keyword("STREAMS", startFrom: 1), find: .range(lastKey: -1, keyStep: 1, limit: 2), flags: [.ro, .access]),
        ],
        "xreadgroup": [
            KeySpec(begin: .keyword("STREAMS", startFrom: 4), find: .range(lastKey: -1, keyStep: 1, limit: 2), flags: [.ro, .access]),
        ],
        "xrevrange": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "xsetid": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "xtrim": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "zadd": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .update]),
        ],
        "zcard": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro]),
        ],
        "zcount": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zdiff": [
            KeySpec(begin: .index(1), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.ro, .access]),
        ],
        "zdiffstore": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ow, .update]),
            KeySpec(begin: .index(2), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.ro, .access]),
        ],
        "zincrby": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .update]),
        ],
        "zinter": [
            KeySpec(begin: .index(1), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.ro, .access]),
        ],
        "zintercard": [
            KeySpec(begin: .index(1), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.ro, .access]),
        ],
        "zinterstore": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ow, .update]),
            KeySpec(begin: .index(2), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.ro, .access]),
        ],
        "zlexcount": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zmpop": [
            KeySpec(begin: .index(1), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.rw, .access, .delete]),
        ],
        "zmscore": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zpopmax": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
        ],
        "zpopmin": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .access, .delete]),
        ],
        "zrandmember": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zrange": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zrangebylex": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zrangebyscore": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zrangestore": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ow, .update]),
            KeySpec(begin: .index(2), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zrank": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zrem": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "zremrangebylex": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "zremrangebyrank": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "zremrangebyscore": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.rw, .delete]),
        ],
        "zrevrange": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zrevrangebylex": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zrevrangebyscore": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zrevrank": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zscan": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zscore": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ro, .access]),
        ],
        "zunion": [
            KeySpec(begin: .index(1), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.ro, .access]),
        ],
        "zunionstore": [
            KeySpec(begin: .index(1), find: .range(lastKey: 0, keyStep: 1, limit: 0), flags: [.ow, .update]),
            KeySpec(begin: .index(2), find: .keyNumber(index: 0, firstKey: 1, keyStep: 1), flags: [.ro, .access]),
        ],
    ]
}
