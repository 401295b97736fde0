import DequeModule

/// A map from stream IDs to values, walked in ID order: what a consumer group's pending
/// entries list (and each consumer's) needs, where Redis uses a radix tree.
///
/// The IDs sit in a sorted deque beside a hash table of the values (`StreamIDTable`).
/// Removing an ID takes it out of the table, drops removed IDs from the deque's ends, and
/// compacts the deque once removed IDs are more than half of it. Deliveries are mostly of
/// growing IDs, so inserting is amortised O(1) at the end (O(n) elsewhere, which only
/// XCLAIM FORCE and a group moved back by XGROUP SETID cause), removing is O(1) plus an
/// amortised O(log n) of comparisons for the compaction, and walking from an ID
/// O(log n) plus the IDs visited.
public struct StreamIDMap<Value: Sendable>: Sendable {
    /// Sorted; may hold IDs no longer in `values`, but never at either end.
    private var order: Deque<StreamID> = []
    private var values = StreamIDTable<Value>()

    public init() {}

    /// IDs present. O(1).
    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }

    /// The value of `id`; setting nil removes it. O(1) to read; see the type for writes.
    public subscript(id: StreamID) -> Value? {
        get { values[id] }
        set {
            if let newValue {
                updateValue(newValue, forKey: id)
            } else {
                removeValue(forKey: id)
            }
        }
    }

    /// Starts loading what a lookup of `id` reads first (see `StreamIDTable.prefetch`). O(1).
    public func prefetch(_ id: StreamID) {
        values.prefetch(id)
    }

    /// Sets the value of `id`, returning the one it replaces. O(1) amortised at the end.
    @discardableResult
    public mutating func updateValue(_ value: Value, forKey id: StreamID) -> Value? {
        let old = values.updateValue(value, forKey: id)
        if old == nil { insertInOrder(id) }
        return old
    }

    /// Removes `id`, returning its value (nil if it was not there). O(1) plus the
    /// compaction's amortised O(log n) comparisons.
    @discardableResult
    public mutating func removeValue(forKey id: StreamID) -> Value? {
        guard let old = values.removeValue(forKey: id) else { return nil }
        // The ends are always present, so only removing an end can expose removed IDs.
        if order.first == id {
            order.removeFirst()
            while let head = order.first, values[head] == nil { order.removeFirst() }
        }
        if order.last == id {
            order.removeLast()
            while let tail = order.last, values[tail] == nil { order.removeLast() }
        }
        compactIfSparse()
        return old
    }

    /// Whether `id` is present. O(1).
    public func contains(_ id: StreamID) -> Bool { values[id] != nil }

    /// The smallest and largest IDs present. O(1).
    public var first: StreamID? { order.first }
    public var last: StreamID? { order.last }

    /// Calls `body` with each ID present in `start...end` and its value, in ID order,
    /// until it returns false. O(log n + IDs visited).
    public func walk(from start: StreamID, through end: StreamID = .max, _ body: (StreamID, Value) -> Bool) {
        guard start <= end else { return }
        var i = Self.lowerBound(order, start)
        while i < order.count {
            let id = order[i]
            if id > end { return }
            if let value = values[id], !body(id, value) { return }
            i += 1
        }
    }

    /// The IDs present, in order. O(n).
    public var ids: [StreamID] { order.filter { values[$0] != nil } }

    private mutating func insertInOrder(_ id: StreamID) {
        if let top = order.last, id <= top {
            let i = Self.lowerBound(order, id)
            // A removed ID still in the array keeps its place.
            if i < order.count, order[i] == id { return }
            order.insert(id, at: i)
        } else {
            order.append(id)
        }
    }

    /// First index whose ID is at least `id`. O(log n).
    private static func lowerBound(_ ids: Deque<StreamID>, _ id: StreamID) -> Int {
        var low = 0, high = ids.count
        while low < high {
            let mid = (low + high) / 2
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Rebuilds `order` from the table's IDs, sorted, once removed IDs are more than
    /// half of it. Reading the table is sequential; filtering `order` instead would look
    /// each of its IDs up, a cache miss apiece on a large list. O(n log n), once per n/2
    /// removals.
    private mutating func compactIfSparse() {
        guard order.count > 32, order.count > 2 * values.count else { return }
        var ids = values.ids
        ids.sort()
        order = Deque(ids)
    }
}

extension StreamIDMap: Equatable where Value: Equatable {
    /// The same IDs with the same values, however many removed IDs each still holds. O(n).
    public static func == (a: Self, b: Self) -> Bool { a.values == b.values }
}
