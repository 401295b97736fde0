import NIOCore
import OrderedCollections
import CairnProtocol

/// CLIENT PAUSE / UNPAUSE, as Redis 7.0: while paused, a command that would write (WRITE
/// mode) or any command (ALL mode, CLIENT UNPAUSE included) is postponed — its client
/// parked, its command not run — until the pause ends, by CLIENT UNPAUSE or its deadline;
/// then the postponed commands run in arrival order. Expiry waits too: active expiry does
/// not run, and a read answers an expired key as absent without removing it.
struct ClientPause {
    enum Mode: Comparable { case write, all }
    var mode: Mode
    /// Unix ms when it ends.
    var until: Int64
}

extension Engine {
    /// CLIENT PAUSE: a second pause keeps the stricter mode and the later end, as Redis.
    func pauseClients(_ mode: ClientPause.Mode, until: Int64) {
        keyspace.holdExpiry(true)
        if let current = pause {
            pause = ClientPause(mode: max(current.mode, mode), until: max(current.until, until))
        } else {
            pause = ClientPause(mode: mode, until: until)
        }
    }

    /// Whether `args` from `client` must wait for the pause to end; ends a pause whose
    /// deadline passed. O(1) plus a command lookup.
    func isPostponed(_ args: Arguments, client: ClientSession, now: Int64) -> Bool {
        guard let current = pause else { return false }
        if current.until <= now {
            releasePausedClients(now: now)
            return false
        }
        if current.mode == .all { return true }
        guard var spec = table.lookup(args) else { return false }
        if !spec.subcommands.isEmpty, args.count > 1, let sub = spec.subcommand(args) { spec = sub }
        if client.transaction != nil && !spec.flags.contains(.runsInTransaction) { return false }  // only queued
        switch spec.name {
        case "publish", "spublish": return true
        case "exec": return client.transaction?.hasWrites == true
        default: return spec.flags.contains(.write)
        }
    }

    /// Parks `client` until the pause ends, with the command it sent. O(1).
    func postpone(_ args: Arguments, client: ClientSession) {
        guard let current = pause else { return }
        var request = BlockedRequest(command: args.all, db: client.db, keys: [], deadline: current.until, timeoutReply: .nullArray)
        request.reason = .clientPause
        blocked.park(client, request, in: &keyspace)
        postponed.append(client.id)
    }

    /// Ends the pause: each postponed client, in arrival order, runs the command it sent
    /// (which may block it again, on keys) and gets the reply through its outlet.
    /// O(postponed clients × their commands).
    public func releasePausedClients(now: Int64) {
        pause = nil
        keyspace.holdExpiry(false)
        let waiting = postponed
        postponed.removeAll()
        for id in waiting {
            guard let client = clients[id], case .blocked(let request) = client.state, request.reason == .clientPause else { continue }
            blocked.unpark(client, in: &keyspace)
            var out = ReplyWriter(buffer: ByteBufferAllocator().buffer(capacity: 64))
            let previous = executingClient
            executingClient = nil
            dispatch(Arguments(request.command), client: client, into: &out)
            executingClient = previous
            client.outlet?.deliver(out.buffer, waitsForLog: true)
        }
        if blocked.count > 0 { serveBlockedClients() }
    }
}
