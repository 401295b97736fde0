// The interpreter's memory: a pool for small blocks.
#include "internal.h"

#include <stdlib.h>
#include <string.h>

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

lua_State *cairn_pool_newstate(void) {
    struct pool *pool = (struct pool *)calloc(1, sizeof(struct pool));
    if (pool == NULL) return NULL;
    lua_State *L = lua_newstate(pool_alloc, pool);
    if (L == NULL) {
        free(pool);
        return NULL;
    }
    lua_atpanic(L, panic);
    return L;
}

void cairn_pool_close(lua_State *L) {
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
