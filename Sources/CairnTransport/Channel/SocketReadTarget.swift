public import NIOCore

/// Takes a connection's bytes straight from its socket instead of through the pipeline.
///
/// For a connection whose one inbound handler consumes every read (Cairn's plain TCP
/// clients): the pass through the pipeline per read (its head, the handler's context and
/// an `NIOAny`, with their retains) cost ~5% of a GET's CPU at `-P 1`. Everything else
/// (activity, errors, user events, writes, closing) still goes through the pipeline.
/// Set with `SocketChannel.setReadTarget(_:)`.
public protocol SocketReadTarget: AnyObject {
    /// Bytes just read: what `channelRead` would have carried. The target may keep them
    /// (the channel then reads into a new buffer).
    func socketDidRead(_ bytes: ByteBuffer)
    /// The end of one readiness's reads: what `channelReadComplete` would have said.
    func socketDidFinishReading()
}
