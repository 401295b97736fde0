import NIOCore

/// A weak reference that may only be used on one event loop. Timers created with
/// `scheduleRepeatedTask` take `@Sendable` closures; this lets them reach a loop-confined
/// object without `@unchecked Sendable` and without keeping it alive.
struct LoopBoundWeak<Object: AnyObject>: Sendable {
    private struct Reference { weak var object: Object? }
    private let bound: NIOLoopBound<Reference>

    init(_ object: Object, eventLoop: any EventLoop) {
        bound = NIOLoopBound(Reference(object: object), eventLoop: eventLoop)
    }

    /// The object, if it still exists. Must be called on the event loop.
    var object: Object? { bound.value.object }
}
