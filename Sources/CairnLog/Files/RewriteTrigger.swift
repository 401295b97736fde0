/// When to rewrite the log without being asked.
///
/// Redis's growth rule: once the log is larger than `minSize`, rewrite when it has grown
/// by `percentage` over its size right after the last rewrite. The age rule: with
/// `minAge` set, never rewrite more often than that, and rewrite a log older than that
/// if it has grown at all. After failed rewrites, wait 1 s, 2 s, 4 s ... up to a minute.
public struct RewriteTrigger: Sendable, Equatable {
    public var percentage: Int
    public var minSize: Int
    /// ms; 0: off.
    public var minAge: Int64

    public init(percentage: Int, minSize: Int, minAge: Int64) {
        self.percentage = percentage
        self.minSize = minSize
        self.minAge = minAge
    }

    /// The wait after `failures` consecutive failed rewrites, in ms.
    public static func backoff(failures: Int) -> Int64 {
        failures == 0 ? 0 : min(60_000, Int64(1000) << Int64(min(failures - 1, 6)))
    }

    /// Whether to start a rewrite now. `sizeAfterLastRewrite` is the log's size when the
    /// last rewrite finished (or when the server loaded it); `lastRewrite` when that was.
    public func shouldRewrite(currentSize: Int, sizeAfterLastRewrite: Int, lastRewrite: Int64, now: Int64,
                              failures: Int, lastFailure: Int64?) -> Bool {
        if let lastFailure, now - lastFailure < Self.backoff(failures: failures) { return false }
        if minAge > 0 {
            if now - lastRewrite < minAge { return false }
            if currentSize > sizeAfterLastRewrite { return true }
        }
        guard percentage > 0, currentSize > minSize else { return false }
        let base = max(sizeAfterLastRewrite, 1)
        let growth = currentSize * 100 / base - 100
        return growth >= percentage
    }
}
