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
}
