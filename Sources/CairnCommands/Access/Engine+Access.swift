import CairnProtocol

extension Engine {
    /// Adds a refused command to the ACL log: what was refused (the command's name, the
    /// key or the channel), by whom, from where. O(1) amortised.
    func recordDenial(_ denial: AccessControl.Denial, spec: CommandSpec, args: Arguments, user: ACLUser,
                      client: ClientSession, context: ACLLog.Context) {
        // CLIENT LIST's cmd= names the refused command, as Redis's does.
        if context != .lua { client.lastCommand = spec }
        let reason: ACLLog.Reason, object: String
        switch denial {
        case .command: reason = .command; object = spec.name
        case .key(let position): reason = .key; object = args.string(position)
        case .channel(let position): reason = .channel; object = args.string(position)
        }
        recordACLEvent(reason: reason, context: context, object: object, username: user.name, client: client)
    }

    /// A failed AUTH (or HELLO … AUTH) in the ACL log, naming the user tried.
    func recordFailedAuthentication(username: String, client: ClientSession) {
        recordACLEvent(reason: .auth, context: client.transaction != nil ? .multi : .toplevel, object: "AUTH",
                       username: username, client: client)
    }

    private func recordACLEvent(reason: ACLLog.Reason, context: ACLLog.Context, object: String, username: String,
                                client: ClientSession) {
        let now = clock()
        let info = ClientCommand.describe(client, now: now)
        access.log.add(ACLLog.Entry(count: 1, reason: reason, context: context, object: object, username: username,
                                    createdAt: now, clientInfo: String(info.dropLast())),
                       maxLength: settings.acllogMaxLen)
    }

    /// What `redis.call` answers a script whose caller may not run a command (Redis 7.0's texts).
    static func scriptRefusal(_ denial: AccessControl.Denial) -> String {
        switch denial {
        case .command: return "ERR The user executing the script can't run this command or subcommand"
        case .key: return "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments"
        case .channel: return "ERR The user executing the script can't publish to the channel mentioned in the command"
        }
    }

    /// Closes every connection authenticated as `users` (deleted, or replaced by ACL LOAD);
    /// `caller` closes once its reply is written. O(clients).
    func disconnectClients(of users: [ACLUser], caller: ClientSession) {
        guard !users.isEmpty else { return }
        var others: [Int64] = []
        for client in clients.values where client.user.map({ u in users.contains { $0 === u } }) ?? false {
            if client === caller { client.state = .closing } else { others.append(client.id) }
        }
        if !others.isEmpty { hooks?.killClients(others) }
    }

    /// After a user's channel rules shrank: closes its connections subscribed to a
    /// channel or pattern it may no longer use, as Redis 7.0 does. O(clients × subscriptions).
    func disconnectSubscribersNoLongerAllowed(_ user: ACLUser, caller: ClientSession) {
        let rules = user.rules
        guard !rules.allChannels else { return }
        var gone: [Int64] = []
        for client in clients.values where client.user === user {
            let channels = Array(client.subscriptions[.channel]) + Array(client.subscriptions[.shardChannel])
            let forbidden = channels.contains { !rules.allowsChannel($0.bytes, isPattern: false) }
                || client.subscriptions[.pattern].contains { !rules.allowsChannel($0.bytes, isPattern: true) }
            guard forbidden else { continue }
            if client === caller { client.state = .closing } else { gone.append(client.id) }
        }
        if !gone.isEmpty { hooks?.killClients(gone) }
    }
}

extension Engine {
    /// Replaces every user with those of ACL file `text` (ACL LOAD, start-up); nil, or
    /// the errors. Connections of users that were replaced are closed, as in Redis.
    @discardableResult
    public func loadACL(_ text: String, path: String, caller: ClientSession? = nil) -> String? {
        switch AccessControl.parseFile(text, path: path, table: table, allChannelsByDefault: access.allChannelsByDefault) {
        case .failure(let errors):
            return errors.description
        case .success(let users):
            let replaced = access.replaceAll(with: users, table: table)
            if let caller {
                disconnectClients(of: replaced, caller: caller)
            } else {
                let ids = clients.values.filter { c in c.user.map { u in replaced.contains { $0 === u } } ?? false }.map(\.id)
                if !ids.isEmpty { hooks?.killClients(ids) }
            }
            return nil
        }
    }

    /// The ACL file (`aclfile`; a relative path is inside `dir`, where Redis would
    /// find it after its chdir), or nil when none is configured.
    public var aclFilePath: String? {
        let file = settings.aclfile
        guard !file.isEmpty else { return nil }
        return file.hasPrefix("/") ? file : settings.dir + "/" + file
    }

    /// Declares the config file's `user` lines at start-up; nil, or Redis's error text.
    public func declareConfiguredUsers() -> String? {
        for words in settings.userLines {
            guard let name = words.first else { continue }
            let rules = words.dropFirst().map { Array($0.utf8) }
            if let failure = access.setUser(name, rules: rules, table: table) {
                return "Error in user declaration '\(name)': \(failure.error.text)"
            }
        }
        return nil
    }
}
