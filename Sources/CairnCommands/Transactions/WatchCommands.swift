import CairnProtocol
import CairnKeyspace

/// WATCH and UNWATCH: optimistic locking for MULTI/EXEC. EXEC fails (a null reply) if a
/// watched key changed, or expired, after WATCH.
enum WatchCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("watch", arity: -2, flags: [.noscript, .loading, .stale, .fast, .allowBusy, .runsInTransaction],
                    keys: (1, -1, 1), group: "transactions", since: "2.2.0", complexity: "O(1) for every key.",
                    summary: "Monitors changes to keys to determine the execution of a transaction.",
                    syntax: "key [key ...]", run: watch),
        CommandSpec("unwatch", arity: 1, flags: [.noscript, .loading, .stale, .fast, .allowBusy], group: "transactions",
                    since: "2.2.0", summary: "Forgets about watched keys of a transaction.", run: unwatch),
    ]

    static func watch(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.client.transaction == nil else {
            out.writeError("ERR WATCH inside MULTI is not allowed"); return
        }
        for i in 1..<c.args.count {
            let key = c.key(i)
            // A key found expired is removed now, so only a key live at WATCH can expire
            // under the watch (which fails EXEC, as in Redis).
            _ = c.lookupWrite(key)
            c.engine.watch(key, db: c.db, client: c.client)
        }
        out.writeOK()
    }

    static func unwatch(_ c: CommandContext, _ out: inout ReplyWriter) {
        c.engine.unwatchAll(c.client)
        out.writeOK()
    }
}

extension Engine {
    /// `client` watches `key` in `db`. O(watchers of the key).
    func watch(_ key: Key, db: Int, client: ClientSession) {
        guard keyspace.databases[db].watch(key, by: client.id) else { return }
        client.watchedKeys.append((db, key))
        watchCount += 1
    }

    /// Ends all of `client`'s watches (EXEC, DISCARD, UNWATCH, disconnect). O(its watches).
    func unwatchAll(_ client: ClientSession) {
        for (db, key) in client.watchedKeys { keyspace.databases[db].unwatch(key, by: client.id) }
        watchCount -= client.watchedKeys.count
        client.watchedKeys.removeAll()
        client.watchBroken = false
    }

    /// Marks the clients watching keys that changed since the last call. O(changes).
    func noteWatchedChanges() {
        guard watchCount > 0 else { return }
        for db in keyspace.databases.indices where keyspace.databases[db].hasTouchedWatchedKeys {
            for key in keyspace.databases[db].drainTouchedWatchedKeys() {
                for id in keyspace.databases[db].watchers(of: key) { clients[id]?.watchBroken = true }
            }
        }
    }

    /// Whether a key `client` watches holds an entry that has expired since WATCH.
    /// O(its watches).
    func watchedKeyExpired(_ client: ClientSession, now: Int64) -> Bool {
        client.watchedKeys.contains { db, key in keyspace.databases[db].peek(key)?.isExpired(at: now) == true }
    }
}
