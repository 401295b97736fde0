import OrderedCollections
import CairnKeyspace

/// Who listens to what: channels, patterns and shard channels, each to its subscribers
/// in subscription order. Owned by the engine; each `ClientSession` keeps its own side
/// (`subscriptions`), so a disconnect or UNSUBSCRIBE finds its entries in O(1).
///
/// Subscribers are held by reference (keyed by client id), so a PUBLISH walks them
/// without looking each one up; a disconnect removes them (`Engine.unsubscribeAll`).
struct PubSubRegistry {
    enum Kind: CaseIterable {
        case channel, pattern, shardChannel
    }

    typealias Subscribers = OrderedDictionary<Int64, ClientSession>

    private(set) var channels: [ByteString: Subscribers] = [:]
    private(set) var patterns: [ByteString: Subscribers] = [:]
    private(set) var shardChannels: [ByteString: Subscribers] = [:]

    /// Whether nobody listens at all (notifications then cost nothing). O(1).
    var isEmpty: Bool { channels.isEmpty && patterns.isEmpty && shardChannels.isEmpty }

    /// Adds `client` to the subscribers of `name`; false if it was there. O(1) average.
    mutating func subscribe(_ client: ClientSession, to name: ByteString, _ kind: Kind) -> Bool {
        func add(_ table: inout [ByteString: Subscribers]) -> Bool {
            table[name, default: [:]].updateValue(client, forKey: client.id) == nil
        }
        switch kind {
        case .channel: return add(&channels)
        case .pattern: return add(&patterns)
        case .shardChannel: return add(&shardChannels)
        }
    }

    /// Removes `client` from the subscribers of `name`; false if it was not there.
    /// O(subscribers of `name`).
    mutating func unsubscribe(_ client: Int64, from name: ByteString, _ kind: Kind) -> Bool {
        func remove(_ table: inout [ByteString: Subscribers]) -> Bool {
            guard table[name]?.removeValue(forKey: client) != nil else { return false }
            if table[name]?.isEmpty == true { table[name] = nil }
            return true
        }
        switch kind {
        case .channel: return remove(&channels)
        case .pattern: return remove(&patterns)
        case .shardChannel: return remove(&shardChannels)
        }
    }

    /// Subscribers of `channel` (shared storage, not a copy), then each matching pattern
    /// with its subscribers, as PUBLISH delivers. O(patterns) plus the glob matches.
    func receivers(of channel: ByteString) -> (direct: Subscribers.Values?, byPattern: [(pattern: ByteString, clients: Subscribers.Values)]) {
        var byPattern: [(ByteString, Subscribers.Values)] = []
        if !patterns.isEmpty {
            channel.withUnsafeBytes { channel in
                for (pattern, subscribers) in patterns where pattern.withUnsafeBytes({ GlobPattern.matches($0, channel) }) {
                    byPattern.append((pattern, subscribers.values))
                }
            }
        }
        return (channels[channel]?.values, byPattern)
    }

    /// Subscribers of shard channel `channel`. O(1).
    func shardReceivers(of channel: ByteString) -> Subscribers.Values? {
        shardChannels[channel]?.values
    }
}
