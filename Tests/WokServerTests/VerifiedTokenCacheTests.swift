import Foundation
import Testing
import WokRouterCore
@testable import WokServer

/// `VerifiedTokenCache`: a verified token's grant, remembered until its `exp`, within a bound.
struct VerifiedTokenCacheTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func grant(_ filters: String...) throws -> AccessGrant {
        AccessGrant(subscribeFilters: try filters.map { try TopicFilter($0) }, mayPublish: false, publishFilters: nil)
    }

    @Test func answersUntilTheTokensExpiryOnly() throws {
        let cache = VerifiedTokenCache(capacity: 8)
        cache.insert("t", grant: try grant("kimchi.>"), expires: now + 10, now: now)
        #expect(cache.grant(for: "t", now: now)?.subscribeFilters == [try TopicFilter("kimchi.>")])
        #expect(cache.grant(for: "t", now: now + 9.999) != nil)
        #expect(cache.grant(for: "t", now: now + 10) == nil, "refused at exp, as the verifier does")
        #expect(cache.count == 0, "the expired entry is dropped")
        cache.insert("late", grant: try grant("kimchi.>"), expires: now, now: now)
        #expect(cache.count == 0, "an already expired token is not remembered")
    }

    @Test func anotherTokenIsNotConfusedWithARememberedOne() throws {
        let cache = VerifiedTokenCache(capacity: 8)
        cache.insert("token-a", grant: try grant("kimchi.>"), expires: now + 60, now: now)
        cache.insert("token-b", grant: try grant("wok.userlog"), expires: now + 60, now: now)
        #expect(cache.grant(for: "token-a", now: now)?.subscribeFilters == [try TopicFilter("kimchi.>")])
        #expect(cache.grant(for: "token-b", now: now)?.subscribeFilters == [try TopicFilter("wok.userlog")])
        #expect(cache.grant(for: "token-", now: now) == nil)
        #expect(cache.grant(for: "token-a ", now: now) == nil)
        #expect(cache.grant(for: "TOKEN-A", now: now) == nil)
    }

    @Test func holdsAtMostCapacityEntriesDroppingTheOldest() throws {
        let cache = VerifiedTokenCache(capacity: 2)
        let g = try grant("kimchi.>")
        cache.insert("a", grant: g, expires: now + 60, now: now)
        cache.insert("b", grant: g, expires: now + 60, now: now)
        cache.insert("a", grant: g, expires: now + 60, now: now)  // already held: no new entry
        #expect(cache.count == 2)
        cache.insert("c", grant: g, expires: now + 60, now: now)
        #expect(cache.count == 2)
        #expect(cache.grant(for: "a", now: now) == nil)
        #expect(cache.grant(for: "b", now: now) != nil && cache.grant(for: "c", now: now) != nil)
        for i in 0..<100 {
            cache.insert("t\(i)", grant: g, expires: now + 60, now: now)
            #expect(cache.count <= 2)
        }
        #expect(cache.grant(for: "t99", now: now) != nil && cache.grant(for: "t98", now: now) != nil)
        let none = VerifiedTokenCache(capacity: 0)
        none.insert("a", grant: g, expires: now + 60, now: now)
        #expect(none.count == 0 && none.grant(for: "a", now: now) == nil)
    }
}
