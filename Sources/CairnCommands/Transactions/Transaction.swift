/// A client's MULTI block: the commands queued so far, copied out of the decoder's
/// arena, and whether one of them was refused (then EXEC discards the whole block).
public struct Transaction {
    /// Each queued command's arguments, in order.
    var commands: [[[UInt8]]] = []
    /// A command was refused while queueing (unknown, wrong arity, writes refused…).
    var aborted = false
    /// Some queued command writes, so EXEC is refused while writes are.
    var hasWrites = false
    /// Some queued command may grow memory, so EXEC is refused while over `maxmemory`.
    var hasDenyOOM = false

    /// Commands queued so far, for CLIENT LIST's `multi=`. O(1).
    public var count: Int { commands.count }
}
