public import CairnProtocol
public import CairnKeyspace

/// Everything one command execution may use: its arguments, the engine (keyspace,
/// settings, propagation), the calling client and the time the command started.
/// A command's reply goes to the `inout ReplyWriter` passed beside the context.
public struct CommandContext {
    public let args: Arguments
    public let engine: Engine
    public let client: ClientSession
    /// Unix ms when the command started; every expiry decision in it uses this instant.
    public let now: Int64

    /// The client's selected database.
    @inlinable public var db: Int { client.db }

    /// Argument `i` as a string value. O(length); no allocation for short values.
    @inlinable public func value(_ i: Int) -> ByteString { args.withUnsafeBytes(i) { ByteString($0) } }

    /// Argument `i` as a key. O(length); no allocation for short keys.
    @inlinable public func key(_ i: Int) -> Key { args.withUnsafeBytes(i) { Key($0) } }

    /// Starts loading the keyspace segments of the keys at arguments `range` (the first
    /// eight) into the cache (`Database.prefetch`): for a command with other work to do
    /// before it touches them, such as a script. Changes nothing. O(keys in range).
    public func prefetchKeys(_ range: Range<Int>) {
        for i in range.prefix(8) { engine.keyspace.databases[db].prefetch(key(i)) }
    }

    // MARK: Keyspace access

    /// Reads `key` for a read command, counting a hit or a miss, and noting the access
    /// for OBJECT IDLETIME unless `touch` is false (TYPE, EXISTS, TTL, OBJECT: Redis's
    /// LOOKUP_NOTOUCH). O(1) average.
    /// `notifyMiss`: a miss publishes the `keymiss` keyspace event (not for OBJECT, as Redis).
    public func lookupRead(_ key: Key, touch: Bool = true, notifyMiss: Bool = true) -> Entry? {
        let entry = engine.keyspace.databases[db].lookup(key, now: now, touch: touch && !client.noTouch)
        if entry == nil {
            engine.stats.keyspaceMisses += 1
            if notifyMiss && engine.settings.notifyKeyspaceEvents.publishes(.keyMiss) {
                // A key this lookup found expired is announced (and logged) first, as Redis does.
                engine.flushExpirations(db: db)
                notify(.keyMiss, "keymiss", key)
            }
        } else {
            engine.stats.keyspaceHits += 1
        }
        return entry
    }

    /// Reads `key` for a write command (no hit/miss accounting). O(1) average.
    public func lookupWrite(_ key: Key) -> Entry? {
        engine.keyspace.databases[db].lookup(key, now: now)
    }

    /// Stores `value` under `key` with the given absolute expiry (0: none). O(1) average.
    public func store(_ key: Key, _ value: Value, expireAt: Int64 = 0) {
        engine.keyspace.databases[db].set(key, Entry(value: value, expireAt: expireAt), now: now)
    }

    // MARK: Propagation

    /// Logs this request as received. Flushes earlier expirations first so the log
    /// keeps the order in which things happened.
    public func recordVerbatim() {
        guard engine.propagation.isEnabled else { return }
        engine.flushExpirations(db: db)
        engine.propagation.recordVerbatim(db: db, args)
    }

    /// Logs an effect made of `parts` against the client's database.
    public func record(_ parts: [Propagation.Part]) {
        guard engine.propagation.isEnabled else { return }
        engine.flushExpirations(db: db)
        engine.propagation.record(db: db, parts)
    }

    /// Logs the effects of one command, in MULTI … EXEC when there are several (as Redis
    /// 7.0 wraps a command's propagated effects), so a replay applies all or none.
    public func record(_ effects: [[Propagation.Part]]) {
        guard engine.propagation.isEnabled, !effects.isEmpty else { return }
        engine.flushExpirations(db: db)
        engine.propagation.record(db: db, effects: effects)
    }

    /// Logs an effect against database `target`.
    public func record(db target: Int, _ parts: [Propagation.Part]) {
        guard engine.propagation.isEnabled else { return }
        engine.flushExpirations(db: db)
        engine.propagation.record(db: target, parts)
    }

    /// Whether propagation is on, so a command can skip building an effect.
    @inlinable public var isRecording: Bool { engine.propagation.isEnabled }
}
