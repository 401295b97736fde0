import DequeModule
import CairnKeyspace

/// The clients parked by blocking commands (see docs/architecture.md, "Clients that
/// wait"): for each (database, key), the ids of the clients waiting on it in arrival
/// order. Owned by the engine; the `Database`s know only which keys have waiters.
struct BlockedClients {
    struct WaitKey: Hashable {
        let db: Int
        let key: Key
    }

    private(set) var queues: [WaitKey: Deque<Int64>] = [:]
    /// Clients parked now. O(1).
    private(set) var count = 0

    /// Appends `client` to the queue of each key it waits on. O(keys).
    mutating func park(_ client: ClientSession, _ request: BlockedRequest, in keyspace: inout Keyspace) {
        client.state = .blocked(request)
        count += 1
        for key in Self.distinct(request.keys) {
            queues[WaitKey(db: request.db, key: key), default: []].append(client.id)
            keyspace.databases[request.db].addWaiter(on: key)
        }
    }

    /// Takes `client` out of every queue; returns what it waited for (nil if it was not
    /// blocked). O(keys × waiters of each).
    @discardableResult
    mutating func unpark(_ client: ClientSession, in keyspace: inout Keyspace) -> BlockedRequest? {
        guard case .blocked(let request) = client.state else { return nil }
        client.state = .normal
        count -= 1
        for key in Self.distinct(request.keys) {
            let wait = WaitKey(db: request.db, key: key)
            if var queue = queues[wait], let i = queue.firstIndex(of: client.id) {
                queue.remove(at: i)
                queues[wait] = queue.isEmpty ? nil : queue
            }
            keyspace.databases[request.db].removeWaiter(on: key)
        }
        return request
    }

    /// The keys without repeats (BLPOP k k waits once on k). O(keys); no set for one key.
    static func distinct(_ keys: [Key]) -> [Key] {
        keys.count < 2 ? keys : Array(Set(keys))
    }

    /// The clients waiting on `key` of `db`, first come first. O(waiters).
    func waiters(db: Int, key: Key) -> [Int64] {
        queues[WaitKey(db: db, key: key)].map(Array.init) ?? []
    }
}
