/// A consumer group of a stream (Redis's `streamCG`): where its reading got to, the
/// entries delivered to its consumers and not yet acknowledged (its PEL), and the
/// consumers. Keyed by name in `Stream.groups`.
public struct StreamGroup: Sendable, Equatable {
    /// Entries above it are new to the group (XREADGROUP `>`).
    public var lastDeliveredID: StreamID
    /// How many of the stream's entries the group has read (Redis's `entries_read`),
    /// or -1 when that is not known; it makes XINFO's `lag`.
    public var entriesRead: Int64
    /// Delivered, not yet acknowledged, by ID.
    public var pending = StreamIDMap<PendingEntry>()
    public var consumers: [ByteString: StreamConsumer] = [:]

    /// Redis's `SCG_INVALID_ENTRIES_READ`.
    public static let unknownEntriesRead: Int64 = -1

    public init(lastDeliveredID: StreamID, entriesRead: Int64) {
        self.lastDeliveredID = lastDeliveredID
        self.entriesRead = entriesRead
    }

    /// The consumers, by name in byte order (the order Redis's radix tree gives). O(c log c).
    public var consumersByName: [(name: ByteString, consumer: StreamConsumer)] {
        consumers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Creates consumer `name` seen at `now` if it does not exist; returns whether it did
    /// not. O(1).
    @discardableResult
    public mutating func createConsumer(_ name: ByteString, now: Int64) -> Bool {
        guard consumers[name] == nil else { return false }
        consumers[name] = StreamConsumer(seenTime: now)
        return true
    }

    /// Gives entry `id` to `consumer` (created if needed): the group's PEL entry says so
    /// and moves from its previous owner's list. Returns the entry as stored. O(1) amortised.
    @discardableResult
    public mutating func assign(_ id: StreamID, to consumer: ByteString, deliveryTime: Int64,
                                deliveryCount: Int64, now: Int64) -> PendingEntry {
        let entry = PendingEntry(consumer: consumer, deliveryTime: deliveryTime, deliveryCount: deliveryCount)
        if let previous = pending.updateValue(entry, forKey: id)?.consumer, previous != consumer {
            consumers[previous]?.pending.removeValue(forKey: id)
        }
        consumers[consumer, default: StreamConsumer(seenTime: now)].pending[id] = ()
        return entry
    }

    /// Acknowledges `id`: out of the group's PEL and its consumer's. False if it was not
    /// pending. O(1) amortised.
    @discardableResult
    public mutating func acknowledge(_ id: StreamID) -> Bool {
        // Both lists are large hash tables and each slot is a cache miss: once the group's
        // entry names the consumer, the consumer's slot starts loading while the group's
        // removal runs, instead of after it.
        guard let entry = pending[id] else { return false }
        let owner = consumers.index(forKey: entry.consumer)
        if let owner { consumers.values[owner].pending.prefetch(id) }
        pending.removeValue(forKey: id)
        if let owner { consumers.values[owner].pending.removeValue(forKey: id) }
        return true
    }

    /// Deletes consumer `name` and its pending entries; returns how many it had (0 if it
    /// did not exist). O(its pending entries).
    public mutating func deleteConsumer(_ name: ByteString) -> Int {
        guard let consumer = consumers.removeValue(forKey: name) else { return 0 }
        for id in consumer.pending.ids { pending[id] = nil }
        return consumer.pending.count
    }

    /// Equal in what survives a restart: a consumer's seen time is not logged (Redis
    /// does not keep it either). O(pending + consumers).
    public static func == (a: StreamGroup, b: StreamGroup) -> Bool {
        a.lastDeliveredID == b.lastDeliveredID && a.entriesRead == b.entriesRead && a.pending == b.pending
            && a.consumers.count == b.consumers.count
            && a.consumers.allSatisfy { name, consumer in b.consumers[name].map { $0.pending.ids == consumer.pending.ids } ?? false }
    }
}

/// An entry delivered to a consumer and not yet acknowledged (Redis's `streamNACK`).
public struct PendingEntry: Sendable, Equatable {
    public var consumer: ByteString
    /// Unix ms of the last delivery.
    public var deliveryTime: Int64
    /// Deliveries so far (XCLAIM RETRYCOUNT may set any value).
    public var deliveryCount: Int64

    public init(consumer: ByteString, deliveryTime: Int64, deliveryCount: Int64) {
        self.consumer = consumer
        self.deliveryTime = deliveryTime
        self.deliveryCount = deliveryCount
    }
}

/// A consumer of a group: when it was last seen and the IDs it holds (their delivery
/// details are in the group's PEL).
public struct StreamConsumer: Sendable {
    public var seenTime: Int64
    public var pending = StreamIDMap<Void>()

    public init(seenTime: Int64) {
        self.seenTime = seenTime
    }
}
