import Testing
@testable import CairnLog

@Suite struct RewriteTriggerTests {
    let redisDefaults = RewriteTrigger(percentage: 100, minSize: 64 << 20, minAge: 0)

    @Test func growthRuleFollowsRedis() {
        let t = redisDefaults
        // Below the minimum size: never.
        #expect(!t.shouldRewrite(currentSize: 60 << 20, sizeAfterLastRewrite: 1 << 20, lastRewrite: 0, now: 0, failures: 0, lastFailure: nil))
        // Above it, at 100% growth: yes; below: no.
        #expect(t.shouldRewrite(currentSize: 128 << 20, sizeAfterLastRewrite: 64 << 20, lastRewrite: 0, now: 0, failures: 0, lastFailure: nil))
        #expect(!t.shouldRewrite(currentSize: 127 << 20, sizeAfterLastRewrite: 64 << 20, lastRewrite: 0, now: 0, failures: 0, lastFailure: nil))
        // percentage 0 turns the growth rule off.
        var off = t
        off.percentage = 0
        #expect(!off.shouldRewrite(currentSize: 1 << 30, sizeAfterLastRewrite: 1, lastRewrite: 0, now: 0, failures: 0, lastFailure: nil))
    }

    @Test func ageRuleRateLimitsAndRewritesOldGrownLogs() {
        let t = RewriteTrigger(percentage: 100, minSize: 0, minAge: 3_600_000)
        // Too soon after the last rewrite, even with huge growth.
        #expect(!t.shouldRewrite(currentSize: 1000, sizeAfterLastRewrite: 10, lastRewrite: 0, now: 3_599_999, failures: 0, lastFailure: nil))
        // Old enough and grown at all: yes.
        #expect(t.shouldRewrite(currentSize: 11, sizeAfterLastRewrite: 10, lastRewrite: 0, now: 3_600_000, failures: 0, lastFailure: nil))
        // Old enough but not grown: no.
        #expect(!t.shouldRewrite(currentSize: 10, sizeAfterLastRewrite: 10, lastRewrite: 0, now: 9_000_000, failures: 0, lastFailure: nil))
    }

    @Test func failuresBackOff() {
        #expect(RewriteTrigger.backoff(failures: 0) == 0)
        #expect(RewriteTrigger.backoff(failures: 1) == 1000)
        #expect(RewriteTrigger.backoff(failures: 3) == 4000)
        #expect(RewriteTrigger.backoff(failures: 50) == 60_000)
        let t = RewriteTrigger(percentage: 100, minSize: 0, minAge: 0)
        #expect(!t.shouldRewrite(currentSize: 100, sizeAfterLastRewrite: 10, lastRewrite: 0, now: 10_500, failures: 1, lastFailure: 10_000))
        #expect(t.shouldRewrite(currentSize: 100, sizeAfterLastRewrite: 10, lastRewrite: 0, now: 11_000, failures: 1, lastFailure: 10_000))
    }
}
