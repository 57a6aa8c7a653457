import WokRouterCore

/// One subscriber of the benchmark.
final class Sub: SubscriptionIndexable {
    var indexMark: UInt64 = 0
    var hits = 0
}

/// A deterministic generator, so that runs compare.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

@main
enum Benchmark {
    static func main() {
        let arguments = CommandLine.arguments
        let subscriptionCount = arguments.count > 1 ? Int(arguments[1])! : 100_000
        let publishes = arguments.count > 2 ? Int(arguments[2])! : 20_000
        var random = SplitMix(state: 42)

        // 10,000 topics: 10 plugins × 100 resources × 10 events ("p3.r42.e7").
        let topics = (0..<10).flatMap { p in (0..<100).flatMap { r in (0..<10).map { e in try! Topic("p\(p).r\(r).e\(e)") } } }
        // Subscriptions: 90% exact topics, 8% "pX.rY.*", 2% "pX.>".
        var pairs: [(Sub, TopicFilter)] = []
        pairs.reserveCapacity(subscriptionCount)
        for _ in 0..<subscriptionCount {
            let p = Int.random(in: 0..<10, using: &random), r = Int.random(in: 0..<100, using: &random)
            let e = Int.random(in: 0..<10, using: &random)
            let roll = Int.random(in: 0..<100, using: &random)
            let text = roll < 90 ? "p\(p).r\(r).e\(e)" : roll < 98 ? "p\(p).r\(r).*" : "p\(p).>"
            pairs.append((Sub(), try! TopicFilter(text)))
        }
        let stream = (0..<publishes).map { _ in topics[Int.random(in: 0..<topics.count, using: &random)] }

        let clock = ContinuousClock()
        var index = SubscriptionIndex<Sub>()
        let buildTime = clock.measure { for (sub, filter) in pairs { index.insert(filter, for: sub) } }

        // Best of three passes over the same stream (the machine is shared).
        var indexMatches = 0
        var indexTime = Duration.seconds(1_000_000)
        for _ in 0..<3 {
            indexMatches = 0
            indexTime = min(indexTime, clock.measure {
                for topic in stream { index.forEachMatch(of: topic) { $0.hits += 1; indexMatches += 1 } }
            })
        }

        // The peer: test every filter on every publish (the topic split once per publish). Fewer
        // publishes (it is slow); per-publish figures compare.
        let naivePublishes = max(1, publishes / 100)
        var naiveMatches = 0
        var indexMatchesOnSame = 0
        let naiveTime = clock.measure {
            for topic in stream.prefix(naivePublishes) {
                let segments = topic.segments  // split once per publish, as a fair peer would
                for (sub, filter) in pairs where filter.matches(segments: segments) { sub.hits += 1; naiveMatches += 1 }
            }
        }
        for topic in stream.prefix(naivePublishes) { index.forEachMatch(of: topic) { _ in indexMatchesOnSame += 1 } }
        precondition(naiveMatches == indexMatchesOnSame, "index and naive matcher disagree: \(indexMatchesOnSame) vs \(naiveMatches)")

        func perPublish(_ duration: Duration, _ count: Int) -> Double {
            let (seconds, attoseconds) = duration.components
            return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(count)
        }
        let indexNs = perPublish(indexTime, publishes), naiveNs = perPublish(naiveTime, naivePublishes)
        print("subscriptions: \(subscriptionCount) over \(topics.count) topics (90% exact, 8% a.b.*, 2% a.>)")
        print("index build: \(buildTime) for \(index.count) filters")
        print("matches per publish: \(String(format2: Double(indexMatches) / Double(publishes)))")
        print("index: \(String(format2: indexNs)) ns/publish over \(publishes) publishes (best of 3)")
        print("naive: \(String(format2: naiveNs)) ns/publish over \(naivePublishes) publishes")
        print("ratio naive/index: \(String(format2: naiveNs / indexNs))x")
    }
}

extension String {
    init(format2 value: Double) {
        let scaled = (value * 100).rounded() / 100
        self = "\(scaled)"
    }
}
