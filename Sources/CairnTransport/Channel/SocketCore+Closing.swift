import NIOCore
import CCairnShims
#if canImport(Glibc)
import Glibc
#endif

extension SocketCore {
    // MARK: Closing

    func close(error: any Error, promise: EventLoopPromise<Void>?) {
        guard case .open = state else {
            promise?.fail(ChannelError.alreadyClosed)
            return
        }
        state = .closed
        readTarget = nil
        selector.deregister(fd: fd)
        Glibc.close(fd)
        channel?.flags.withLockedValue { $0.active = false }
        let abandoned = writes
        writes.removeAll()
        flushedCount = 0
        bufferedBytes = 0
        for write in abandoned { write.promise?.fail(error) }
        promise?.succeed(())
        guard let pipeline = pipelineReference else { return }
        pipeline.syncOperations.fireChannelInactive()
        pipeline.syncOperations.fireChannelUnregistered()
        let closePromise = channel?.closePromise
        selector.loop.assumeIsolated().execute { [self] in
            removeHandlers(pipeline: pipeline)
            pipelineReference = nil
            channel = nil
            closePromise?.succeed(())
        }
    }

    /// A channel whose set-up failed before it started: the socket is closed and the
    /// handlers removed without the events of a started channel.
    func discard(_ error: any Error) {
        guard case .idle = state else { return }
        state = .closed
        readTarget = nil
        Glibc.close(fd)
        if let pipeline = pipelineReference {
            removeHandlers(pipeline: pipeline)
            pipelineReference = nil
        }
        channel?.closePromise.fail(error)
        channel = nil
    }

    /// Graceful shutdown: the handlers finish and close.
    func quiesce() {
        guard case .open = state else { return }
        pipelineReference?.syncOperations.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
    }

    func closeForShutdown() {
        close(error: ChannelError.ioOnClosedChannel, promise: nil)
    }

}
