// The C side of Cairn's Lua scripting (see include/CCairnLua.h for why it is C).
#include "CCairnLua.h"

#include <lua5.1/lauxlib.h>
#include <lua5.1/lualib.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const REGISTRY_READONLY = "cairn.readonly";   // proxy -> backing, backing -> true
static const char *const REGISTRY_GLOBALS = "cairn.globals";     // the real globals table
static const char *const REGISTRY_HANDLER = "cairn.errhandler";  // __redis__err__handler
static const char *const REGISTRY_RANDOM = "cairn.random";       // struct random_state
static const char *const REGISTRY_HOST = "cairn.host";           // struct host
static const char *const REGISTRY_GLOBALS_PROXY = "cairn.globalsproxy";  // what scripts see as _G
static const char *const REGISTRY_LOAD_GLOBALS = "cairn.loadglobals";    // globals while a library loads
static const char *const READONLY_MESSAGE = "Attempt to modify a readonly table";

struct host {
    cairn_lua_host_fn fn;
    void *context;
};

// MARK: - Host calls

static int call_host(lua_State *L, struct host *host, int function_id) {
    if (host == NULL || host->fn == NULL) {
        lua_pushstring(L, "redis.call/pcall can only be called inside a script invocation");
        return lua_error(L);
    }
    int results = host->fn(L, host->context, function_id);
    if (results < 0) return lua_error(L);  // the host pushed the error value
    return results;
}

static int trampoline(lua_State *L) {
    int function_id = (int)lua_tointeger(L, lua_upvalueindex(1));
    struct host *host = (struct host *)lua_touserdata(L, lua_upvalueindex(2));
    return call_host(L, host, function_id);
}

static struct host *registry_host(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST);
    struct host *host = (struct host *)lua_touserdata(L, -1);
    lua_pop(L, 1);
    return host;
}

static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    call_host(L, registry_host(L), CAIRN_LUA_HOOK_ID);
}

// MARK: - Deterministic random numbers
//
// math.random as Redis 7.0 has it: the 48-bit linear congruential generator of the
// drand48 family (x' = 0x5DEECE66D x + 0xB mod 2^48, 31 bits out), one state for the
// server's life starting from drand48's initial value, reseeded only by
// math.randomseed. (Scripts' effects are logged, not the scripts, so their randomness
// never has to be replayed.)

struct random_state {
    uint64_t x;
};

/// The drand48 family's initial state, which Redis's generator starts from.
#define RANDOM_INITIAL 0x1234ABCD330EULL

static void random_seed(struct random_state *state, int32_t seed) {
    state->x = (((uint64_t)(uint32_t)seed) << 16 | 0x330E) & 0xFFFFFFFFFFFFULL;
}

static int32_t random_next(struct random_state *state) {
    state->x = (0x5DEECE66DULL * state->x + 0xB) & 0xFFFFFFFFFFFFULL;
    return (int32_t)(state->x >> 17);
}

static struct random_state *registry_random(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_RANDOM);
    struct random_state *state = (struct random_state *)lua_touserdata(L, -1);
    lua_pop(L, 1);
    return state;
}

void cairn_lua_set_random_state(lua_State *L, uint64_t *state) {
    lua_pushlightuserdata(L, state);
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_RANDOM);
}

uint64_t cairn_lua_random_initial_state(void) { return RANDOM_INITIAL; }

static int math_random(lua_State *L) {
    struct random_state *state = registry_random(L);
    if (state == NULL) return luaL_error(L, "random state missing");
    const double max = 2147483647.0;
    double r = (double)(random_next(state) % 2147483647) / max;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        break;
    case 1: {
        int upper = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= upper, 1, "interval is empty");
        lua_pushnumber(L, floor(r * (double)upper) + 1);
        break;
    }
    case 2: {
        int lower = luaL_checkint(L, 1);
        int upper = luaL_checkint(L, 2);
        luaL_argcheck(L, lower <= upper, 2, "interval is empty");
        lua_pushnumber(L, floor(r * ((double)upper - (double)lower + 1)) + lower);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int math_randomseed(lua_State *L) {
    struct random_state *state = registry_random(L);
    if (state == NULL) return luaL_error(L, "random state missing");
    random_seed(state, (int32_t)luaL_checkint(L, 1));
    return 0;
}


// MARK: - Opening

static void open_library(lua_State *L, lua_CFunction open, const char *name) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

/// Opens a library Debian packages separately (lua-cjson, lua-bitop) if it is installed,
/// as the global `name`. Loaded at run time, so the server builds and runs without them.
static void open_installed_library(lua_State *L, const char *file, const char *symbol, const char *name) {
    void *handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) return;
    lua_CFunction open = (lua_CFunction)dlsym(handle, symbol);
    if (open == NULL) return;
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_istable(L, -1)) {
        lua_setfield(L, LUA_GLOBALSINDEX, name);
    } else {
        lua_pop(L, 1);
    }
}

static void remove_global(lua_State *L, const char *name) {
    lua_pushnil(L);
    lua_setfield(L, LUA_GLOBALSINDEX, name);
}

static int setup(lua_State *L) {
    open_library(L, luaopen_base, "");
    open_library(L, luaopen_table, LUA_TABLIBNAME);
    open_library(L, luaopen_string, LUA_STRLIBNAME);
    open_library(L, luaopen_math, LUA_MATHLIBNAME);
    open_library(L, luaopen_debug, LUA_DBLIBNAME);  // for the error handler; removed by cairn_lua_lock
    open_installed_library(L, "liblua5.1-cjson.so.0", "luaopen_cjson", "cjson");
    open_installed_library(L, "liblua5.1-bitop.so.0", "luaopen_bit", "bit");
    // Redis 7.0 takes these away from scripts: files, printing to the server's stdout,
    // and changing function environments (which could escape the read-only globals).
    static const char *const removed[] = {"dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy", NULL};
    for (int i = 0; removed[i] != NULL; i++) remove_global(L, removed[i]);

    lua_getfield(L, LUA_GLOBALSINDEX, LUA_MATHLIBNAME);
    lua_pushcfunction(L, math_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, math_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);

    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_READONLY);
    struct host *host = (struct host *)lua_newuserdata(L, sizeof(struct host));
    host->fn = NULL;
    host->context = NULL;
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_HOST);
    return 0;
}

// MARK: - Memory
//
// A script allocates and frees many small objects per call (its KEYS and ARGV tables,
// strings, reply tables). Lua hands every one to the allocator with its size, so small
// blocks can be kept in per-size free lists carved from 64 KB slabs, instead of going
// through malloc and free each time; larger blocks use the C library. Slabs are kept
// until the interpreter closes (the pool never exceeds Lua's peak memory).

#define POOL_GRANULE 16
#define POOL_CLASSES 32  /* blocks up to 512 bytes */
#define POOL_SLAB (64 * 1024)

struct pool_block { struct pool_block *next; };
struct pool_slab { struct pool_slab *next; };

struct pool {
    struct pool_block *free[POOL_CLASSES];
    struct pool_slab *slabs;
    char *cursor;   /* unused space in the newest slab */
    size_t left;
};

static size_t pool_class(size_t size) { return (size + POOL_GRANULE - 1) / POOL_GRANULE - 1; }

static void *pool_take(struct pool *pool, size_t size) {
    size_t c = pool_class(size);
    struct pool_block *block = pool->free[c];
    if (block != NULL) {
        pool->free[c] = block->next;
        return block;
    }
    size_t bytes = (c + 1) * POOL_GRANULE;
    if (pool->left < bytes) {
        struct pool_slab *slab = (struct pool_slab *)malloc(POOL_SLAB);
        if (slab == NULL) return NULL;
        slab->next = pool->slabs;
        pool->slabs = slab;
        pool->cursor = (char *)slab + POOL_GRANULE;  /* the slab header, rounded to a granule */
        pool->left = POOL_SLAB - POOL_GRANULE;
    }
    void *out = pool->cursor;
    pool->cursor += bytes;
    pool->left -= bytes;
    return out;
}

static void pool_give(struct pool *pool, void *pointer, size_t size) {
    struct pool_block *block = (struct pool_block *)pointer;
    size_t c = pool_class(size);
    block->next = pool->free[c];
    pool->free[c] = block;
}

static int pooled(size_t size) { return size > 0 && size <= POOL_GRANULE * POOL_CLASSES; }

static void *pool_alloc(void *ud, void *pointer, size_t old_size, size_t new_size) {
    struct pool *pool = (struct pool *)ud;
    if (pointer == NULL) old_size = 0;  /* Lua passes the type, not a size, for new objects */
    if (new_size == 0) {
        if (pointer != NULL) {
            if (pooled(old_size)) pool_give(pool, pointer, old_size); else free(pointer);
        }
        return NULL;
    }
    if (pointer != NULL && pooled(old_size) && pooled(new_size) && pool_class(old_size) == pool_class(new_size)) {
        return pointer;
    }
    if (pointer != NULL && !pooled(old_size) && !pooled(new_size)) return realloc(pointer, new_size);
    void *fresh = pooled(new_size) ? pool_take(pool, new_size) : malloc(new_size);
    if (fresh == NULL) return NULL;
    if (pointer != NULL) {
        memcpy(fresh, pointer, old_size < new_size ? old_size : new_size);
        if (pooled(old_size)) pool_give(pool, pointer, old_size); else free(pointer);
    }
    return fresh;
}

static int panic(lua_State *L) {
    (void)L;
    return 0;  /* only reached outside a protected call, which Cairn never makes */
}

lua_State *cairn_lua_open(void) {
    struct pool *pool = (struct pool *)calloc(1, sizeof(struct pool));
    if (pool == NULL) return NULL;
    lua_State *L = lua_newstate(pool_alloc, pool);
    if (L == NULL) {
        free(pool);
        return NULL;
    }
    lua_atpanic(L, panic);
    if (lua_cpcall(L, setup, NULL) != 0) {
        cairn_lua_close(L);
        return NULL;
    }
    return L;
}

void cairn_lua_close(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    lua_close(L);
    struct pool *pool = (struct pool *)ud;
    if (pool == NULL) return;
    while (pool->slabs != NULL) {
        struct pool_slab *next = pool->slabs->next;
        free(pool->slabs);
        pool->slabs = next;
    }
    free(pool);
}

void cairn_lua_set_host(lua_State *L, cairn_lua_host_fn fn, void *context) {
    struct host *host = registry_host(L);
    if (host == NULL) return;
    host->fn = fn;
    host->context = context;
}

void cairn_lua_register(lua_State *L, const char *table, const char *name, int function_id) {
    lua_getfield(L, LUA_GLOBALSINDEX, table);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_GLOBALSINDEX, table);
    }
    lua_pushinteger(L, function_id);
    lua_pushlightuserdata(L, registry_host(L));
    lua_pushcclosure(L, trampoline, 2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

// MARK: - redis.* without the host

/// `{err = msg}` or `{ok = msg}`, as redis.error_reply / status_reply build them.
static int reply_table(lua_State *L, const char *field) {
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
        lua_newtable(L);
        lua_pushstring(L, "ERR wrong number or type of arguments");
        lua_setfield(L, -2, "err");
        return 1;  // returned, not raised, as in Redis
    }
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, field);
    return 1;
}

static int error_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) return reply_table(L, "err");
    // Redis 7.0 reads "-CODE message": without a leading '-' the text is taken as that
    // form anyway, and a text without a space gets the generic ERR code.
    size_t length = 0;
    const char *message = lua_tolstring(L, 1, &length);
    if (length > 0 && message[0] == '-') {
        message++;
        length--;
    }
    while (length > 0 && (message[length - 1] == '\r' || message[length - 1] == '\n')) length--;
    if (memchr(message, ' ', length) == NULL) {
        lua_pushliteral(L, "ERR ");
        lua_pushlstring(L, message, length);
        lua_concat(L, 2);
    } else {
        lua_pushlstring(L, message, length);
    }
    lua_replace(L, 1);
    return reply_table(L, "err");
}

static int status_reply(lua_State *L) { return reply_table(L, "ok"); }

static int returns_true(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

static int returns_false(lua_State *L) {
    lua_pushboolean(L, 0);
    return 1;
}

static int returns_nothing(lua_State *L) {
    (void)L;
    return 0;
}

void cairn_lua_register_redis_basics(lua_State *L, const char *version, int version_num) {
    lua_getfield(L, LUA_GLOBALSINDEX, "redis");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_GLOBALSINDEX, "redis");
    }
    static const struct { const char *name; lua_CFunction fn; } functions[] = {
        {"error_reply", error_reply},
        {"status_reply", status_reply},
        {"replicate_commands", returns_true},  // effects replication is the only mode
        {"breakpoint", returns_false},         // no debugger: never stops
        {"debug", returns_nothing},
        {NULL, NULL},
    };
    for (int i = 0; functions[i].name != NULL; i++) {
        lua_pushcfunction(L, functions[i].fn);
        lua_setfield(L, -2, functions[i].name);
    }
    static const struct { const char *name; int value; } constants[] = {
        {"LOG_DEBUG", 0}, {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2}, {"LOG_WARNING", 3},
        {"REPL_NONE", 0}, {"REPL_AOF", 1}, {"REPL_SLAVE", 2}, {"REPL_REPLICA", 2}, {"REPL_ALL", 3},
        {NULL, 0},
    };
    for (int i = 0; constants[i].name != NULL; i++) {
        lua_pushinteger(L, constants[i].value);
        lua_setfield(L, -2, constants[i].name);
    }
    lua_pushstring(L, version);
    lua_setfield(L, -2, "REDIS_VERSION");
    lua_pushinteger(L, version_num);
    lua_setfield(L, -2, "REDIS_VERSION_NUM");
    lua_pop(L, 1);
}

// MARK: - Read-only tables
//
// Redis 7.0 patches its Lua so tables can be marked read-only. Debian's Lua has no such
// patch, so each protected table is replaced by an empty proxy whose metatable reads
// through to the real table and refuses writes; the functions that bypass metatables
// (rawset, rawget, setmetatable, getmetatable, next, pairs, ipairs) are wrapped to see
// through proxies and refuse to write them.

/// Replaces the value at `index` by its backing table if it is a proxy. Returns 1 if
/// the value is a protected table (a proxy or a backing table).
static int see_through(lua_State *L, int index) {
    if (!lua_istable(L, index)) return 0;
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_READONLY);
    lua_pushvalue(L, index);
    lua_rawget(L, -2);
    int protected_table = !lua_isnil(L, -1);
    if (lua_istable(L, -1)) {
        lua_replace(L, index);
        lua_pop(L, 1);
    } else {
        lua_pop(L, 2);
    }
    return protected_table;
}

static int is_proxy(lua_State *L, int index) {
    if (!lua_istable(L, index)) return 0;
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_READONLY);
    lua_pushvalue(L, index);
    lua_rawget(L, -2);
    int proxy = lua_istable(L, -1);
    lua_pop(L, 2);
    return proxy;
}

static int refuse_write(lua_State *L) {
    lua_pushstring(L, READONLY_MESSAGE);
    return lua_error(L);
}

static int proxy_newindex(lua_State *L) { return luaL_error(L, "%s", READONLY_MESSAGE); }

static int missing_global(lua_State *L) {
    const char *name = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : luaL_typename(L, 2);
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name);
}

/// Calls the original function (upvalue 1) with all arguments, returning all results.
static int call_original(lua_State *L) {
    int arguments = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, arguments, LUA_MULTRET);
    return lua_gettop(L);
}

static int wrapped_rawset(lua_State *L) {
    if (see_through(L, 1)) return refuse_write(L);
    return call_original(L);
}

static int wrapped_setmetatable(lua_State *L) {
    if (see_through(L, 1)) return refuse_write(L);
    return call_original(L);
}

static const char *const REGISTRY_GLOBALS_META = "cairn.globalsmeta";  // what getmetatable(_G) shows

static int wrapped_getmetatable(lua_State *L) {
    if (is_proxy(L, 1)) {
        // Library tables have none; the globals show a read-only table whose __index
        // is the function refusing missing globals, as in Redis.
        lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS);
        lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS_META);
        see_through(L, 1);
        int globals = lua_rawequal(L, 1, -2);
        lua_remove(L, -2);
        if (!globals) lua_pushnil(L);
        return 1;
    }
    return call_original(L);
}

static int wrapped_reader(lua_State *L) {
    if (lua_gettop(L) >= 1) see_through(L, 1);
    return call_original(L);
}

static int wrapped_pairs(lua_State *L) {
    luaL_checkany(L, 1);
    see_through(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));  // next
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static void wrap_global(lua_State *L, const char *name, lua_CFunction wrapper) {
    lua_getfield(L, LUA_GLOBALSINDEX, name);
    lua_pushcclosure(L, wrapper, 1);
    lua_setfield(L, LUA_GLOBALSINDEX, name);
}

/// Pushes a read-only proxy for the table on top (which it replaces). `missing` is
/// called for absent keys when given (the globals), else they read as nil.
static void make_proxy(lua_State *L, lua_CFunction missing) {
    int backing = lua_gettop(L);
    if (missing != NULL) {
        lua_newtable(L);
        lua_pushcfunction(L, missing);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, backing);
    }
    lua_newtable(L);                    // the proxy
    lua_newtable(L);                    // its metatable
    lua_pushvalue(L, backing);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, proxy_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_READONLY);
    lua_pushvalue(L, -2);               // proxy -> backing
    lua_pushvalue(L, backing);
    lua_rawset(L, -3);
    lua_pushvalue(L, backing);          // backing -> true
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_replace(L, backing);
}

// The error handler Redis 7.0 installs: turns any error into a table with `err`, and
// records where the script was (skipping the C function that raised it).
static const char ERROR_HANDLER[] =
    "local dbg = debug\n"
    "__redis__err__handler = function(err)\n"
    "  local i = dbg.getinfo(2, 'nSl')\n"
    "  if i and i.what == 'C' then i = dbg.getinfo(3, 'nSl') end\n"
    "  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end\n"
    "  if i then err['source'] = i.source; err['line'] = i.currentline end\n"
    "  return err\n"
    "end\n";

static int lock(lua_State *L) {
    if (luaL_loadbuffer(L, ERROR_HANDLER, sizeof(ERROR_HANDLER) - 1, "=cairn") != 0) return lua_error(L);
    lua_call(L, 0, 0);
    lua_getfield(L, LUA_GLOBALSINDEX, "__redis__err__handler");
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_HANDLER);
    remove_global(L, "debug");

    wrap_global(L, "rawset", wrapped_rawset);
    wrap_global(L, "setmetatable", wrapped_setmetatable);
    wrap_global(L, "getmetatable", wrapped_getmetatable);
    wrap_global(L, "rawget", wrapped_reader);
    wrap_global(L, "next", wrapped_reader);
    wrap_global(L, "ipairs", wrapped_reader);
    lua_getfield(L, LUA_GLOBALSINDEX, "next");  // pairs hands out the original next
    lua_getupvalue(L, -1, 1);
    lua_pushcclosure(L, wrapped_pairs, 1);
    lua_setfield(L, LUA_GLOBALSINDEX, "pairs");
    lua_pop(L, 1);

    static const char *const libraries[] = {"string", "table", "math", "coroutine", "redis",
                                            "cjson", "bit", "struct", "cmsgpack", NULL};
    for (int i = 0; libraries[i] != NULL; i++) {
        lua_getfield(L, LUA_GLOBALSINDEX, libraries[i]);
        if (lua_istable(L, -1)) {
            make_proxy(L, NULL);
            lua_setfield(L, LUA_GLOBALSINDEX, libraries[i]);
        } else {
            lua_pop(L, 1);
        }
    }
    // ("x"):upper() reads the string library through the strings' metatable.
    lua_pushstring(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_getfield(L, LUA_GLOBALSINDEX, "string");
        lua_setfield(L, -2, "__index");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    lua_newtable(L);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    make_proxy(L, NULL);
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS_META);

    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS);
    make_proxy(L, missing_global);      // the globals' proxy replaces them
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS_PROXY);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_GLOBALSINDEX, "_G");
    lua_replace(L, LUA_GLOBALSINDEX);
    return 0;
}

int cairn_lua_lock(lua_State *L) {
    return lua_cpcall(L, lock, NULL);
}

// MARK: - Function libraries

struct load_api_ids {
    int register_function;
    int log;
};

static void copy_field(lua_State *L, int from, const char *name) {
    lua_getfield(L, from, name);
    lua_setfield(L, -2, name);
}

static int build_load_globals(lua_State *L) {
    struct load_api_ids *ids = (struct load_api_ids *)lua_touserdata(L, 1);
    struct host *host = registry_host(L);
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS);
    lua_getfield(L, -1, "redis");       // the redis proxy: reads see through
    int redis = lua_gettop(L);

    lua_newtable(L);                    // the load-time globals
    lua_newtable(L);                    // its redis table
    lua_pushinteger(L, ids->register_function);
    lua_pushlightuserdata(L, host);
    lua_pushcclosure(L, trampoline, 2);
    lua_setfield(L, -2, "register_function");
    lua_pushinteger(L, ids->log);
    lua_pushlightuserdata(L, host);
    lua_pushcclosure(L, trampoline, 2);
    lua_setfield(L, -2, "log");
    static const char *const copied[] = {"LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING",
                                         "REDIS_VERSION", "REDIS_VERSION_NUM", NULL};
    for (int i = 0; copied[i] != NULL; i++) copy_field(L, redis, copied[i]);
    make_proxy(L, missing_global);
    lua_setfield(L, -2, "redis");
    make_proxy(L, missing_global);
    lua_getmetatable(L, -1);            // the proxy's metatable: reads go to the backing table
    lua_getfield(L, -1, "__index");
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_LOAD_GLOBALS);
    return 0;
}

int cairn_lua_build_load_globals(lua_State *L, int register_function_id, int log_id) {
    struct load_api_ids ids = {register_function_id, log_id};
    return lua_cpcall(L, build_load_globals, &ids);
}

void cairn_lua_use_load_globals(lua_State *L, int loading) {
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS_PROXY);
    if (!lua_getmetatable(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, loading ? REGISTRY_LOAD_GLOBALS : REGISTRY_GLOBALS);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 2);
}

// MARK: - Running

int cairn_lua_load(lua_State *L, const char *body, size_t length, const char *chunkname) {
    return luaL_loadbuffer(L, body, length, chunkname);
}

int cairn_lua_call(lua_State *L, int nargs) {
    int function = lua_gettop(L) - nargs;
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_HANDLER);
    lua_insert(L, function);
    int status = lua_pcall(L, nargs, 1, function);
    lua_remove(L, function);
    return status;
}

void cairn_lua_set_global(lua_State *L, const char *name) {
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS);
    lua_insert(L, -2);
    lua_setfield(L, -2, name);  // the real globals have no __newindex: a raw write
    lua_pop(L, 1);
}

void cairn_lua_set_count_hook(lua_State *L, int count) {
    if (count > 0) {
        lua_sethook(L, count_hook, LUA_MASKCOUNT, count);
    } else {
        lua_sethook(L, NULL, 0, 0);
    }
}

size_t cairn_lua_format_number(double value, char *buffer, size_t capacity) {
    int written = snprintf(buffer, capacity, "%.17g", value);
    if (written < 0) return 0;
    return (size_t)written < capacity ? (size_t)written : capacity - 1;
}
