import NIOCore

/// The client frame rate limit of one push connection: `rate` frames per second on average,
/// bursts of up to `burst`. A pure value, driven by the caller's clock.
struct TokenBucket {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var last: NIODeadline

    init(rate: Double, burst: Int, now: NIODeadline) {
        self.rate = rate
        self.burst = Double(burst)
        self.tokens = Double(burst)
        self.last = now
    }

    /// Takes one token; false when the bucket is empty (the frame is over the limit).
    mutating func take(now: NIODeadline) -> Bool {
        let elapsed = Double((now - last).nanoseconds) / 1e9
        last = now
        tokens = min(burst, tokens + elapsed * rate)
        if tokens >= 1 {
            tokens -= 1
            return true
        }
        return false
    }
}
