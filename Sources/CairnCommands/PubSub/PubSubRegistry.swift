import OrderedCollections
public import CairnKeyspace

/// Who listens to what: channels, patterns and shard channels, each to its subscribers'
/// client ids in subscription order. Owned by the engine; each `ClientSession` keeps its
/// own side (`subscriptions`), so a disconnect or UNSUBSCRIBE finds its entries in O(1).
struct PubSubRegistry {
    enum Kind: CaseIterable {
        case channel, pattern, shardChannel
    }

    private(set) var channels: [ByteString: OrderedSet<Int64>] = [:]
    private(set) var patterns: [ByteString: OrderedSet<Int64>] = [:]
    private(set) var shardChannels: [ByteString: OrderedSet<Int64>] = [:]

    /// Whether nobody listens at all (notifications then cost nothing). O(1).
    var isEmpty: Bool { channels.isEmpty && patterns.isEmpty && shardChannels.isEmpty }

    /// Adds `client` to the subscribers of `name`; false if it was there. O(1) average.
    mutating func subscribe(_ client: Int64, to name: ByteString, _ kind: Kind) -> Bool {
        switch kind {
        case .channel: return channels[name, default: []].append(client).inserted
        case .pattern: return patterns[name, default: []].append(client).inserted
        case .shardChannel: return shardChannels[name, default: []].append(client).inserted
        }
    }

    /// Removes `client` from the subscribers of `name`; false if it was not there.
    /// O(subscribers of `name`).
    mutating func unsubscribe(_ client: Int64, from name: ByteString, _ kind: Kind) -> Bool {
        func remove(_ table: inout [ByteString: OrderedSet<Int64>]) -> Bool {
            guard var ids = table[name], ids.remove(client) != nil else { return false }
            table[name] = ids.isEmpty ? nil : ids
            return true
        }
        switch kind {
        case .channel: return remove(&channels)
        case .pattern: return remove(&patterns)
        case .shardChannel: return remove(&shardChannels)
        }
    }

    /// Subscribers of `channel`, then of each matching pattern (with the pattern), as
    /// PUBLISH delivers. O(subscribers + patterns).
    func receivers(of channel: ByteString) -> (direct: [Int64], byPattern: [(pattern: ByteString, client: Int64)]) {
        let direct = channels[channel].map(Array.init) ?? []
        var byPattern: [(ByteString, Int64)] = []
        if !patterns.isEmpty {
            let bytes = channel.bytes
            for (pattern, ids) in patterns where GlobPattern.matches(pattern.bytes[...], bytes) {
                for id in ids { byPattern.append((pattern, id)) }
            }
        }
        return (direct, byPattern)
    }

    /// Subscribers of shard channel `channel`. O(subscribers).
    func shardReceivers(of channel: ByteString) -> [Int64] {
        shardChannels[channel].map(Array.init) ?? []
    }
}
