// The sandbox: read-only globals and libraries, the error handler, and the globals a
// function library sees while it loads.
#include "internal.h"

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

int cairn_missing_global(lua_State *L) {
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
void cairn_make_proxy(lua_State *L, lua_CFunction missing) {
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
    cairn_remove_global(L, "debug");

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
            cairn_make_proxy(L, NULL);
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
    lua_pushcfunction(L, cairn_missing_global);
    lua_setfield(L, -2, "__index");
    cairn_make_proxy(L, NULL);
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS_META);

    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS);
    cairn_make_proxy(L, cairn_missing_global);      // the globals' proxy replaces them
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
    struct host *host = cairn_registry_host(L);
    lua_getfield(L, LUA_REGISTRYINDEX, REGISTRY_GLOBALS);
    lua_getfield(L, -1, "redis");       // the redis proxy: reads see through
    int redis = lua_gettop(L);

    lua_newtable(L);                    // the load-time globals
    lua_newtable(L);                    // its redis table
    lua_pushinteger(L, ids->register_function);
    lua_pushlightuserdata(L, host);
    lua_pushcclosure(L, cairn_trampoline, 2);
    lua_setfield(L, -2, "register_function");
    lua_pushinteger(L, ids->log);
    lua_pushlightuserdata(L, host);
    lua_pushcclosure(L, cairn_trampoline, 2);
    lua_setfield(L, -2, "log");
    static const char *const copied[] = {"LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING",
                                         "REDIS_VERSION", "REDIS_VERSION_NUM", NULL};
    for (int i = 0; copied[i] != NULL; i++) copy_field(L, redis, copied[i]);
    cairn_make_proxy(L, cairn_missing_global);
    lua_setfield(L, -2, "redis");
    cairn_make_proxy(L, cairn_missing_global);
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

void cairn_remove_global(lua_State *L, const char *name) {
    lua_pushnil(L);
    lua_setfield(L, LUA_GLOBALSINDEX, name);
}
