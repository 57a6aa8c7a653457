import Foundation
import Testing
import WokJSON
@testable import WokRouterCore

/// A tab that resumes on another router of a shared store (PostgreSQL) right after receiving an
/// id there, before this router's fan-out reached that id.
extension SharedStoreTests {
    @Test func resumingAfterAnIdThisRouterHasNotFannedOutYetIsRecovered() async throws {
        let shared = SharedHistory()
        let laggingView = LaggingView(shared)
        let there = try makeRouter(over: shared.view())
        var patient = RouterConfiguration()
        patient.resumeWaitSeconds = 600  // the release below comes well within it, however slow the machine
        let here = try makeRouter(over: laggingView, configuration: patient)
        _ = try await there.publish(topic: "kimchi.vms", data: ["name": "a"])
        let second = try await there.publish(topic: "kimchi.vms", data: ["name": "b"])
        #expect(here.head == 2 && laggingView.held == 2, "committed, not fanned out here yet")

        // The tab saw `second` on the other router and resumes here.
        let sub = RecordingSubscriber()
        let answered = Locked<SubscribeResult?>(nil)
        let resume = Task {
            try await here.subscribe(sub, filters: filters("kimchi.vms"), since: second.id, epoch: shared.memory.epoch) { result in
                answered.withLock { $0 = result }
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        laggingView.release()  // this router's fan-out catches up
        try await resume.value
        let result = try #require(answered.current)
        #expect(result.recovered, "not refused as ahead of the head")
        #expect(result.head >= second.id)
        let third = try await there.publish(topic: "kimchi.vms", data: ["name": "c"])
        laggingView.release()
        #expect(sub.ids == [third.id], "nothing replayed twice, the next live one delivered")
    }

    /// Past `resumeWaitSeconds` the resume is answered, unrecovered, although the fan-out has not
    /// got there (it never does in this test): the bound holds.
    @Test func resumingAfterAnIdThisRouterDoesNotFanOutWithinTheBoundIsNotRecovered() async throws {
        let shared = SharedHistory()
        let laggingView = LaggingView(shared)
        let there = try makeRouter(over: shared.view())
        var brief = RouterConfiguration()
        brief.resumeWaitSeconds = 0.05
        let here = try makeRouter(over: laggingView, configuration: brief)
        _ = try await there.publish(topic: "kimchi.vms", data: ["name": "a"])
        let second = try await there.publish(topic: "kimchi.vms", data: ["name": "b"])
        let sub = RecordingSubscriber()
        var answer: SubscribeResult?
        try await here.subscribe(sub, filters: filters("kimchi.vms"), since: second.id, epoch: shared.memory.epoch) { answer = $0 }
        let result = try #require(answer)
        #expect(!result.recovered, "since is ahead of what this router has fanned out")
        #expect(result.head == 0 && laggingView.held == 2, "answered while the fan-out still lags")
    }

    /// With no wait allowed, a resume ahead of the fan-out is answered at once, unrecovered.
    @Test func withResumeWaitZeroAResumeAheadOfTheFanOutIsAnsweredAtOnce() async throws {
        let shared = SharedHistory()
        let laggingView = LaggingView(shared)
        let there = try makeRouter(over: shared.view())
        var none = RouterConfiguration()
        none.resumeWaitSeconds = 0
        let here = try makeRouter(over: laggingView, configuration: none)
        let first = try await there.publish(topic: "kimchi.vms", data: ["name": "a"])
        var answer: SubscribeResult?
        try await here.subscribe(RecordingSubscriber(), filters: filters("kimchi.vms"), since: first.id, epoch: shared.memory.epoch) { answer = $0 }
        #expect(answer?.recovered == false)
        #expect(laggingView.reads == 0, "not even the store's head was read: no wait")
    }

    @Test func resumingAfterAnIdNoRouterCommittedIsStillRefused() async throws {
        let shared = SharedHistory()
        let here = try makeRouter(over: shared.view())
        _ = try await here.publish(topic: "kimchi.vms", data: ["name": "a"])
        let sub = RecordingSubscriber()
        var recovered = true
        try await here.subscribe(sub, filters: filters("kimchi.vms"), since: 99, epoch: shared.memory.epoch) { recovered = $0.recovered }
        #expect(!recovered)
    }
}

/// A view of the shared history whose commit handler calls are held back until `release()`
/// (a router whose LISTEN/NOTIFY fan-out lags behind another router's commits).
final class LaggingView: HistoryStore, @unchecked Sendable {
    private let base: SharedHistory.View
    private let shared: SharedHistory
    private let pending = Locked<(handler: (@Sendable ([WokNotification]) -> Void)?, queue: [[WokNotification]])>((nil, []))

    init(_ shared: SharedHistory) {
        self.shared = shared
        base = shared.view()
        base.setCommitHandler { [pending] notifications in pending.withLock { $0.queue.append(notifications) } }
    }

    /// Notifications committed but not handed to this router's handler yet.
    var held: Int { pending.withLock { $0.queue.reduce(0) { $0 + $1.count } } }

    /// Hands the held notifications over, in order.
    func release() {
        let (handler, queue) = pending.withLock { state in
            defer { state.queue = [] }
            return (state.handler, state.queue)
        }
        for notifications in queue { handler?(notifications) }
    }

    /// Reads made through this view.
    var reads: Int { readCount.current }
    private let readCount = Locked(0)

    var epoch: String { base.epoch }
    var head: UInt64 { base.head }
    func setCommitHandler(_ handler: @escaping @Sendable ([WokNotification]) -> Void) { pending.withLock { $0.handler = handler } }
    func append(_ items: [PendingNotification], completion: @escaping @Sendable (Result<[WokNotification], HistoryError>) -> Void) {
        base.append(items, completion: completion)
    }
    func read(filters: [TopicFilter], since: UInt64, limit: Int) async throws(HistoryError) -> HistoryRead {
        readCount.withLock { $0 += 1 }
        return try await base.read(filters: filters, since: since, limit: limit)
    }
    func trim(_ rules: RetentionRules, now: NotificationTime) async throws(HistoryError) -> Int { try await base.trim(rules, now: now) }
    func close() async {}
}
