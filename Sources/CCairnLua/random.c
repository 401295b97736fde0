// math.random and math.randomseed as Redis has them.
#include "internal.h"

#include <math.h>

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

void cairn_open_random(lua_State *L) {
    lua_getfield(L, LUA_GLOBALSINDEX, LUA_MATHLIBNAME);
    lua_pushcfunction(L, math_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, math_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
}
