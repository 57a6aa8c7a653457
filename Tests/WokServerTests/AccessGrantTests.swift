import Foundation
import JWTKit
@testable import WokServer
import Testing
import WokRouterCore

/// Which subscriptions a token's `topics` claim covers.
struct AccessGrantTests {
    @Test(arguments: [
        (["kimchi.>"], "kimchi.vms.state", true),
        (["kimchi.>"], "kimchi.*", true),
        (["kimchi.>"], "kimchi.>", true),
        (["kimchi.*"], "kimchi.>", false),
        (["kimchi.*"], "kimchi.vms", true),
        (["kimchi.*"], "kimchi.vms.state", false),
        (["kimchi.*.state"], "kimchi.*.state", true),
        (["kimchi.vms.state"], "kimchi.*.state", false),
        (["wok.userlog"], "wok.userlog", true),
        (["wok.userlog"], "wok.tasks", false),
        ([String](), "wok.userlog", false),
    ])
    func grantedFiltersCoverOnlyWhatTheyMatch(granted: [String], asked: String, allowed: Bool) throws {
        let grant = AccessGrant(subscribeFilters: try granted.map { try TopicFilter($0) }, mayPublish: false, publishFilters: nil)
        #expect(grant.maySubscribe(try TopicFilter(asked)) == allowed)
    }

    @Test func aGrantExpiresAtItsTokensExpAndAnOpenOneNever() throws {
        let exp = Date(timeIntervalSince1970: 1_800_000_000)
        let grant = AccessGrant(claims: WokClaims(exp: .init(value: exp), topics: ["wok.>"]))
        #expect(grant.expires == exp)
        #expect(grant.hasExpired(at: exp - 0.001) == false)
        #expect(grant.hasExpired(at: exp), "expired at exp, as the verifier refuses it then")
        #expect(AccessGrant.open.hasExpired(at: .distantFuture) == false)
    }
}
