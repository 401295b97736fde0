public import CairnProtocol

/// A script past `busy-reply-threshold`: the server keeps reading other clients (from
/// inside the script's hook) and answers them here, as Redis does from
/// `processEventsWhileBlocked`: -BUSY, except for the commands flagged `allow_busy`.
extension Engine {
    /// Whether a script is running past the threshold. O(1).
    public var scriptIsBusy: Bool { scripting.running?.isBusy ?? false }

    /// The client whose script is running (its connection is inside the script). O(1).
    public var scriptCaller: ClientSession? { scripting.running?.caller }

    /// Answers a request that arrived while a script is busy. O(1) but for the commands
    /// allowed, which run as usual.
    public func answerWhileBusy(_ args: Arguments, client: ClientSession, into out: inout ReplyWriter) {
        out.resp3 = client.protocolVersion == 3
        guard let run = scripting.running else {
            dispatch(args, client: client, into: &out)
            return
        }
        var spec = table.lookup(args)
        if let container = spec, !container.subcommands.isEmpty, args.count > 1 { spec = container.subcommand(args) }
        // Authentication comes before the busy check, as in Redis: no SCRIPT KILL or
        // SHUTDOWN from a connection that has not authenticated.
        if let spec, spec.accepts(argumentCount: args.count), !client.authenticated, !spec.flags.contains(.noAuth) {
            out.writeError(Authentication.required)
            return
        }
        guard let spec, spec.flags.contains(.allowBusy), spec.accepts(argumentCount: args.count) else {
            out.writeError(run.busyMessage)
            return
        }
        switch spec.name {
        case "script|kill", "function|kill":
            guard (spec.name == "function|kill") == run.isFunction else {
                out.writeError(run.busyMessage)
                return
            }
            guard !run.wrote else {
                out.writeError("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
                return
            }
            run.killRequested = true
            out.writeOK()
        case "shutdown":
            let noSave = (1..<args.count).contains { args.equals($0, lowercase: "nosave") }
            guard noSave || !run.wrote else {
                out.writeError(run.busyMessage)
                return
            }
            // The script stops, its effects are dropped (nothing of it was acknowledged),
            // and nothing more is served before the server stops.
            run.killRequested = true
            run.abortedForShutdown = true
            refusingAll = "ERR Cairn is shutting down"
            hooks?.requestShutdown()
        default:
            dispatch(args, client: client, into: &out)
        }
    }
}
