public import NIOCore
import CairnProtocol
import CairnKeyspace

/// Whether the command now running may park its client.
enum BlockingMode {
    /// A command from a client's own request: it may block.
    case allowed
    /// Inside EXEC (and, later, scripts): it answers its timeout reply at once, as Redis.
    case refused
    /// Serving a parked client again: finding nothing keeps it parked, without a reply.
    case retrying
}

/// Parking, serving and timing out blocked clients (docs/architecture.md, "Clients that
/// wait"). No I/O: served replies go out through the client's `ClientOutlet`.
extension Engine {
    /// Clients parked now (INFO's blocked_clients). O(1).
    public var blockedClientCount: Int { blocked.count }

    /// Parks `client` on `keys` until `deadline` (Unix ms; 0 never), when it gets
    /// `timeoutReply`; or — when blocking is not allowed — answers `refusedReply` (the
    /// same unless given: Redis 7.0's BLMOVE answers a null array on timeout and a null
    /// bulk inside MULTI) now. `command` is the request that runs again when a key is
    /// ready (the one received unless given: XREAD stores `$` as the ID it meant). O(keys).
    func block(_ c: CommandContext, on keys: [Key], deadline: Int64,
               timeoutReply: BlockedRequest.TimeoutReply, refusedReply: BlockedRequest.TimeoutReply? = nil,
               command: [[UInt8]]? = nil, _ out: inout ReplyWriter) {
        switch blockingMode {
        case .refused:
            Self.writeTimeoutReply(refusedReply ?? timeoutReply, &out)
        case .retrying:
            retryFoundNothing = true
        case .allowed:
            let request = BlockedRequest(command: command ?? c.args.all, db: c.db, keys: keys, deadline: deadline,
                                         timeoutReply: timeoutReply)
            blocked.park(c.client, request, in: &keyspace)
        }
    }

    /// Serves parked clients whose keys became ready, first come first served, until no
    /// ready key is left. Called after each top-level command. O(ready keys × waiters).
    func serveBlockedClients() {
        guard blocked.count > 0 else {
            for db in keyspace.databases.indices where keyspace.databases[db].hasReadyKeys {
                _ = keyspace.databases[db].drainReadyKeys()
            }
            return
        }
        var progress = true
        while progress {
            progress = false
            for db in keyspace.databases.indices where keyspace.databases[db].hasReadyKeys {
                for key in keyspace.databases[db].drainReadyKeys() {
                    for id in blocked.waiters(db: db, key: key) {
                        guard let client = clients[id] else { continue }
                        if serveAgain(client) { progress = true }
                    }
                }
            }
        }
    }

    /// Re-executes a parked client's command with blocking not allowed. Returns true when
    /// it answered (and so is no longer parked). O(the command).
    private func serveAgain(_ client: ClientSession) -> Bool {
        guard case .blocked(let request) = client.state else { return false }
        // One scratch buffer for every served reply: the connection copies the bytes.
        var out = ReplyWriter(buffer: servedReplyScratch)
        servedReplyScratch = ByteBuffer()
        out.buffer.clear()
        defer { servedReplyScratch = out.buffer }
        let mode = blockingMode
        blockingMode = .retrying
        retryFoundNothing = false
        dispatch(Arguments(request.command), client: client, into: &out)
        blockingMode = mode
        if retryFoundNothing { return false }
        blocked.unpark(client, in: &keyspace)
        client.outlet?.deliver(out.buffer, waitsForLog: true)
        return true
    }

    /// The deadline of a parked client passed: unparks it and returns its timeout reply
    /// (nil if it is no longer parked or its deadline is not yet due). O(keys).
    public func timeOutBlockedClient(_ id: Int64, now: Int64) -> ByteBuffer? {
        guard let client = clients[id], case .blocked(let request) = client.state,
              request.deadline != 0, request.deadline <= now else { return nil }
        if request.reason == .clientPause {
            // The pause is over: every postponed client runs its command now (delivered
            // through their outlets, this one's included).
            releasePausedClients(now: now)
            return nil
        }
        blocked.unpark(client, in: &keyspace)
        var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 8))
        out.resp3 = client.protocolVersion == 3
        Self.writeTimeoutReply(request.timeoutReply, &out)
        return out.buffer
    }

    /// CLIENT UNBLOCK: unparks client `id` with its timeout reply, or `-UNBLOCKED` when
    /// `asError`, delivered through the hooks. Returns whether it was parked. O(keys).
    func unblockClient(_ id: Int64, asError: Bool) -> Bool {
        // A client postponed by CLIENT PAUSE is not blocked on keys: Redis leaves it alone.
        guard let client = clients[id], case .blocked(let waiting) = client.state, waiting.reason == .keys,
              let request = blocked.unpark(client, in: &keyspace) else { return false }
        var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 64))
        out.resp3 = client.protocolVersion == 3
        if asError {
            out.writeError("UNBLOCKED client unblocked via CLIENT UNBLOCK")
        } else {
            Self.writeTimeoutReply(request.timeoutReply, &out)
        }
        client.outlet?.deliver(out.buffer, waitsForLog: false)
        return true
    }

    /// A disconnecting client stops waiting. O(keys).
    func unparkOnDisconnect(_ client: ClientSession) {
        blocked.unpark(client, in: &keyspace)
    }

    static func writeTimeoutReply(_ reply: BlockedRequest.TimeoutReply, _ out: inout ReplyWriter) {
        switch reply {
        case .nullArray: out.writeNullArray()
        case .nullBulk: out.writeNull()
        }
    }
}
