import NIOCore
import CairnProtocol
import CairnCommands
import CairnLog
import CairnTransport

// Answering while a script holds the loop (see BusyResponder).
extension ConnectionHandler {
    /// This connection's client id, while it has one.
    var clientID: Int64? { session?.id }

    /// Reads what the client sent straight from its socket and answers each complete
    /// request through `Engine.answerWhileBusy`, writing straight to the socket. Only when
    /// none of this connection's earlier replies wait to be written, so answers keep
    /// their order; what the socket does not take joins the replies flushed after the
    /// script. On the loop, inside the script's hook.
    func serveWhileBusy(fd: CInt) {
        guard !closing, let session, let context, !session.state.isBlocked,
              replies.readableBytes == 0, held.isEmpty, !flushQueued else { return }
        let buffered = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        guard buffered == 0 else { return }
        var input = pending ?? context.channel.allocator.buffer(capacity: 0)
        pending = nil
        let before = input.readableBytes
        let state = BusyResponder.receive(fd, into: &input)
        runtime.inputBytes += input.readableBytes - before
        var out = ReplyWriter(buffer: context.channel.allocator.buffer(capacity: 256))
        while input.readableBytes > 0 && out.buffer.readableBytes < 1 << 20 {
            guard (try? decoder.decode(&input, into: &args)) == true else { break }
            if args.isEmpty { continue }
            engine.answerWhileBusy(args, client: session, into: &out)
            if case .closing = session.state { break }
        }
        if input.readableBytes > 0 {
            input.discardReadBytes()
            pending = input
        }
        runtime.outputBytes += out.buffer.readableBytes
        let unsent = BusyResponder.send(fd, out.buffer)
        runtime.outputBytes -= unsent.readableBytes
        if unsent.readableBytes > 0 {
            var rest = unsent
            replies.buffer.writeBuffer(&rest)
            queueFlush()
        }
        if case .closed = state { closing = true }
        if case .closing = session.state { finishAfterReplies() }
    }
}
