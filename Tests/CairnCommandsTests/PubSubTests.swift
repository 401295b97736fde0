import Testing
import NIOCore
import CairnProtocol
@testable import CairnCommands

/// The push path without sockets: who receives a PUBLISH, in which protocol, what the
/// publisher itself gets, and what a disconnect leaves behind.
@Suite struct PubSubTests {
    @Test func publishReachesChannelAndPatternSubscribersInTheirProtocols() {
        let w = BlockingTests.World()
        let resp2 = w.client(), resp3 = w.client(), publisher = w.client()
        w.run(resp3, "HELLO", "3")
        #expect(w.run(resp2, "SUBSCRIBE", "news") == "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n")
        #expect(w.run(resp3, "PSUBSCRIBE", "n*") == ">3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n")
        #expect(w.run(publisher, "PUBLISH", "news", "hi") == ":2\r\n")
        #expect(w.hooks.delivered.map(\.client) == [resp2.id, resp3.id])
        #expect(w.hooks.delivered.map(\.reply) == ["*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n",
                                                   ">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"])
        #expect(w.run(publisher, "PUBLISH", "other", "x") == ":0\r\n")
        #expect(w.hooks.delivered.count == 2)
    }

    @Test func aResp3PublisherSubscribedToItsChannelGetsTheMessageBeforeTheCount() {
        let w = BlockingTests.World()
        let me = w.client()
        w.run(me, "HELLO", "3")
        w.run(me, "SUBSCRIBE", "self")
        #expect(w.run(me, "PUBLISH", "self", "m") == ">3\r\n$7\r\nmessage\r\n$4\r\nself\r\n$1\r\nm\r\n:1\r\n")
        #expect(w.hooks.delivered.isEmpty)
    }

    @Test func aResp2SubscriberIsLimitedUntilItLeavesEveryChannel() {
        let w = BlockingTests.World()
        let c = w.client()
        w.run(c, "SUBSCRIBE", "a")
        w.run(c, "SSUBSCRIBE", "s")
        #expect(w.run(c, "GET", "k").hasPrefix("-ERR Can't execute 'get'"))
        #expect(w.run(c, "PING") == "*2\r\n$4\r\npong\r\n$0\r\n\r\n")
        w.run(c, "UNSUBSCRIBE")
        #expect(w.run(c, "GET", "k").hasPrefix("-ERR Can't execute 'get'"))  // still a shard channel
        w.run(c, "SUNSUBSCRIBE")
        #expect(w.run(c, "GET", "k") == "$-1\r\n")
    }

    @Test func aDisconnectLeavesNoSubscriptionBehind() {
        let w = BlockingTests.World()
        let c = w.client(), publisher = w.client()
        w.run(c, "SUBSCRIBE", "a", "b")
        w.run(c, "PSUBSCRIBE", "*")
        w.run(c, "SSUBSCRIBE", "s")
        #expect(w.engine.pubsubCounts == (2, 1, 1))
        w.engine.disconnect(c)
        #expect(w.engine.pubsubCounts == (0, 0, 0))
        #expect(w.run(publisher, "PUBLISH", "a", "x") == ":0\r\n")
    }

    @Test func resetLeavesSubscriptionsAndTurnsRepliesBackOn() {
        let w = BlockingTests.World()
        let c = w.client()
        w.run(c, "SUBSCRIBE", "a")
        w.run(c, "PSUBSCRIBE", "b*")
        #expect(w.run(c, "RESET") == "+RESET\r\n")
        #expect(w.engine.pubsubCounts == (0, 0, 0) && !c.isInSubscribedContext)
        #expect(w.run(c, "GET", "k") == "$-1\r\n")
        w.run(c, "SELECT", "2")
        w.run(c, "HELLO", "3")
        #expect(w.run(c, "CLIENT", "REPLY", "OFF") == "")
        #expect(w.run(c, "RESET") == "+RESET\r\n")
        #expect(c.db == 0 && c.protocolVersion == 2)
    }
}
