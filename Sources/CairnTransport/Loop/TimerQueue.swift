import HeapModule

/// The loop's scheduled tasks, earliest first. Kept under the loop's lock: tasks are
/// scheduled from any thread.
///
/// A cancelled task leaves its key in the heap until it reaches the top, where it is
/// skipped; when stale keys outnumber live ones the heap is rebuilt, so timers set and
/// cancelled over and over (blocking pops served before their timeout) cannot grow it
/// without bound.
struct TimerQueue {
    struct Key: Comparable {
        let deadline: UInt64
        let id: UInt64
        static func < (a: Key, b: Key) -> Bool { (a.deadline, a.id) < (b.deadline, b.id) }
    }

    private var keys = Heap<Key>()
    /// A task and what to do instead if the loop stops before it runs.
    struct Task {
        let run: @Sendable () -> Void
        let abandon: @Sendable () -> Void
    }

    private var tasks: [UInt64: Task] = [:]
    private var nextID: UInt64 = 0

    var isEmpty: Bool { tasks.isEmpty }
    var count: Int { tasks.count }

    /// Adds `task` to run at `deadline` (uptime nanoseconds); returns its id for
    /// cancelling. O(log n).
    mutating func schedule(at deadline: UInt64, _ task: Task) -> UInt64 {
        nextID &+= 1
        keys.insert(Key(deadline: deadline, id: nextID))
        tasks[nextID] = task
        return nextID
    }

    /// Removes the task `id` if it has not run; whether it was still waiting. O(1)
    /// amortised (the heap is rebuilt once stale keys outnumber live ones).
    mutating func cancel(_ id: UInt64) -> Bool {
        guard tasks.removeValue(forKey: id) != nil else { return false }
        if keys.count > 64 && keys.count > 2 * tasks.count {
            keys = Heap(keys.unordered.filter { tasks[$0.id] != nil })
        }
        return true
    }

    /// The earliest live deadline, if any. O(log n) amortised (drops stale keys on top).
    mutating func earliestDeadline() -> UInt64? {
        while let top = keys.min {
            if tasks[top.id] != nil { return top.deadline }
            keys.removeMin()
        }
        return nil
    }

    /// Removes and appends to `due` every task whose deadline is at or before `now`, in
    /// deadline order. O(k log n).
    mutating func takeDue(now: UInt64, into due: inout [@Sendable () -> Void]) {
        while let top = keys.min, top.deadline <= now {
            keys.removeMin()
            if let task = tasks.removeValue(forKey: top.id) { due.append(task.run) }
        }
    }

    /// Removes every task (the loop is stopping), returning what each does instead. O(n).
    mutating func removeAll() -> [@Sendable () -> Void] {
        defer { tasks.removeAll(); keys = Heap() }
        return keys.unordered.sorted().compactMap { tasks[$0.id]?.abandon }
    }
}
