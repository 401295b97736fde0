import NIOCore
import CairnProtocol
public import CairnKeyspace
public import CairnConfig

/// Keyspace notifications (Redis's `notifyKeyspaceEvent`): with `notify-keyspace-events`
/// on, a change publishes `__keyspace@<db>__:<key>` → event and `__keyevent@<db>__:<event>`
/// → key to whoever subscribed. Costs one branch per event when off (the default).
extension Engine {
    /// Publishes `event` on `key` of `db` if its class is on. O(subscribers + patterns).
    public func notify(_ type: KeyspaceEvents, _ event: StaticString, key: Key, db: Int) {
        let events = settings.notifyKeyspaceEvents
        guard !events.isEmpty else { return }  // off (the default): one branch per event
        // Keys created so far come first: Redis announces `new` when the key is added,
        // before the event of the command that added it.
        if type != .newKey && recordsCreatedKeys { announceCreatedKeys(db: db) }
        guard events.publishes(type), !pubsub.isEmpty else { return }
        let eventBytes = ByteString(event.withUTF8Buffer { Array($0) })
        if events.contains(.keyspace) {
            var channel = Array("__keyspace@\(db)__:".utf8)
            channel.append(contentsOf: key.bytes)
            publish(ByteString(channel), eventBytes, toCaller: appendToCallerBacklog)
        }
        if events.contains(.keyevent) {
            var channel = Array("__keyevent@\(db)__:".utf8)
            channel.append(contentsOf: eventBytes.bytes)
            publish(ByteString(channel), key.name, toCaller: appendToCallerBacklog)
        }
    }

    /// The `new` event for each key created in `db` since the last call (recorded only
    /// while the `n` class is on). O(keys created).
    func announceCreatedKeys(db: Int) {
        for key in keyspace.databases[db].drainCreatedKeys() { notify(.newKey, "new", key: key, db: db) }
    }

    /// Turns the record of created keys on or off with the `n` class (at start, on CONFIG
    /// SET, and when the server installs a loaded keyspace). O(databases).
    public func followNotificationSettings() {
        let record = settings.notifyKeyspaceEvents.publishes(.newKey)
        recordsCreatedKeys = record
        for db in keyspace.databases.indices { keyspace.databases[db].recordsCreatedKeys = record }
    }
}

extension CommandContext {
    /// After a *STORE wrote `destination`: its store event when something was stored,
    /// else `del` if it removed what was there (Redis's choice). O(1) when off.
    public func notifyStored(_ destination: Key, stored: Bool, existed: Bool, _ type: KeyspaceEvents, _ event: StaticString) {
        if stored { notify(type, event, destination) } else if existed { notify(.generic, "del", destination) }
    }

    /// Redis's `notifyKeyspaceEvent` for this command's database. O(1) when off.
    @inlinable public func notify(_ type: KeyspaceEvents, _ event: StaticString, _ key: Key) {
        engine.notify(type, event, key: key, db: db)
    }
}
