import CairnProtocol

/// MULTI, EXEC, DISCARD: Redis transactions without WATCH.
///
/// The engine queues a client's commands between MULTI and EXEC (see `Engine.dispatch`);
/// EXEC runs them back to back in one call, so no other client's command can come in
/// between, and records their effects to the log as one MULTI … EXEC block, which the
/// loader applies whole or not at all.
enum TransactionCommands {
    static let specs: [CommandSpec] = [
        CommandSpec("multi", arity: 1, flags: [.noscript, .loading, .stale, .fast, .allowBusy, .runsInTransaction],
                    group: "transactions", since: "1.2.0",
                    summary: "Marks the start of a transaction block.", run: multi),
        CommandSpec("exec", arity: 1, flags: [.noscript, .loading, .stale, .skipSlowlog, .runsInTransaction],
                    group: "transactions", since: "1.2.0", complexity: "Depends on commands in the transaction",
                    summary: "Executes all commands in a transaction.", run: exec),
        CommandSpec("discard", arity: 1, flags: [.noscript, .loading, .stale, .fast, .allowBusy, .runsInTransaction],
                    group: "transactions", since: "2.0.0", complexity: "O(N), when N is the number of queued commands",
                    summary: "Discards a transaction.", run: discard),
    ]

    static func multi(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.client.transaction == nil else {
            out.writeError("ERR MULTI calls can not be nested"); return
        }
        c.client.transaction = Transaction()
        out.writeOK()
    }

    static func discard(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard c.client.transaction != nil else {
            out.writeError("ERR DISCARD without MULTI"); return
        }
        c.client.transaction = nil
        c.engine.unwatchAll(c.client)
        out.writeOK()
    }

    /// EXEC refused: Redis names the reason, without the generic `ERR ` code.
    static func abortMessage(_ reason: String) -> String {
        "EXECABORT Transaction discarded because of: " + (reason.hasPrefix("ERR ") ? String(reason.dropFirst(4)) : reason)
    }

    /// Runs the queued commands; their replies form EXEC's array. O(the commands' cost).
    static func exec(_ c: CommandContext, _ out: inout ReplyWriter) {
        guard let transaction = c.client.transaction else {
            out.writeError("ERR EXEC without MULTI"); return
        }
        c.client.transaction = nil
        let engine = c.engine
        let watchBroken = c.client.watchBroken || engine.watchedKeyExpired(c.client, now: c.now)
        engine.unwatchAll(c.client)
        if transaction.aborted {
            out.writeError("EXECABORT Transaction discarded because of previous errors."); return
        }
        if transaction.hasWrites, let refusal = engine.writeRefusal {
            out.writeError(abortMessage(refusal)); return
        }
        if watchBroken {
            out.writeNullArray(); return
        }
        let mark = engine.propagation.beginTransaction()
        out.writeArrayHeader(transaction.commands.count)
        // Blocking commands answer at once inside a transaction, as in Redis.
        let mode = engine.blockingMode
        engine.blockingMode = .refused
        for command in transaction.commands {
            engine.dispatch(Arguments(command), client: c.client, into: &out)
        }
        engine.blockingMode = mode
        engine.propagation.endTransaction(mark)
    }
}
