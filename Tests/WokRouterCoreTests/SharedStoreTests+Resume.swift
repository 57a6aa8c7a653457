import Foundation
import Testing
import WokJSON
@testable import WokRouterCore

/// A tab that resumes on another router of a shared store (PostgreSQL) right after receiving an
/// id there, before this router's fan-out reached that id.
extension SharedStoreTests {
    /// Two routers over one shared store: `there` publishes; `here` reads it through a
    /// ``LaggingView`` (its fan-out waits for `laggingView.release()`) and waits at most
    /// `resumeWait` seconds for that fan-out on a resume.
    func laggingPair(resumeWait: Double) throws
        -> (shared: SharedHistory, laggingView: LaggingView, there: Router, here: Router) {
        let shared = SharedHistory()
        let laggingView = LaggingView(shared)
        var configuration = RouterConfiguration()
        configuration.resumeWaitSeconds = resumeWait
        return (shared, laggingView, try makeRouter(over: shared.view()), try makeRouter(over: laggingView, configuration: configuration))
    }

    @Test func resumingAfterAnIdThisRouterHasNotFannedOutYetIsRecovered() async throws {
        let (shared, laggingView, there, here) = try laggingPair(resumeWait: 600)  // the release below comes well within it, however slow the machine
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

    /// Past `resumeWaitSeconds` the resume is answered although the fan-out has not got there:
    /// the bound holds. The filter is floored at `since`: when the fan-out catches up, what the
    /// client already has is not delivered again, and the next notification is (no duplicate, no
    /// gap: so the answer is `recovered: true`, with this router's lower head).
    @Test func aResumeAnsweredPastTheBoundGetsNothingAtOrBelowSinceWhenTheFanOutCatchesUp() async throws {
        let (shared, laggingView, there, here) = try laggingPair(resumeWait: 0.05)
        _ = try await there.publish(topic: "kimchi.vms", data: ["name": "a"])
        let second = try await there.publish(topic: "kimchi.vms", data: ["name": "b"])
        let sub = RecordingSubscriber()
        var answer: SubscribeResult?
        try await here.subscribe(sub, filters: filters("kimchi.vms"), since: second.id, epoch: shared.memory.epoch) { answer = $0 }
        let result = try #require(answer)
        #expect(result.head == 0 && laggingView.held == 2, "answered while the fan-out still lags")
        #expect(result.recovered, "nothing is missing and nothing will come twice")
        laggingView.release()  // the fan-out catches up with ids 1 and 2, which the client has
        #expect(sub.ids == [], "nothing at or below since delivered")
        let third = try await there.publish(topic: "kimchi.vms", data: ["name": "c"])
        laggingView.release()
        #expect(sub.ids == [third.id], "the next one delivered live, once")
    }

    /// The floor belongs to the filters the resume added: a filter the subscriber already held
    /// live still gets everything (it must have no gap).
    @Test func aFloorAppliesOnlyToTheFiltersTheResumeAdded() async throws {
        let (shared, laggingView, there, here) = try laggingPair(resumeWait: 0)
        let sub = RecordingSubscriber()
        try await here.subscribe(sub, filters: filters("kimchi.vms")) { _ in }  // live, from head 0
        _ = try await there.publish(topic: "kimchi.vms", data: ["name": "a"])
        let second = try await there.publish(topic: "kimchi.vms", data: ["name": "b"])
        var answer: SubscribeResult?
        try await here.subscribe(sub, filters: filters("kimchi.>"), since: second.id, epoch: shared.memory.epoch) { answer = $0 }
        #expect(answer?.recovered == true && answer?.head == 0)
        laggingView.release()
        #expect(sub.ids == [1, 2], "kimchi.vms, held live before, still gets them, once each")
    }

    /// Unsubscribing drops a filter's floor: subscribed again live, it gets what the fan-out brings.
    @Test func unsubscribingDropsTheFloor() async throws {
        let (shared, laggingView, there, here) = try laggingPair(resumeWait: 0)
        let sub = RecordingSubscriber()
        _ = try await there.publish(topic: "kimchi.vms", data: ["name": "a"])
        let second = try await there.publish(topic: "kimchi.vms", data: ["name": "b"])
        try await here.subscribe(sub, filters: filters("kimchi.vms"), since: second.id, epoch: shared.memory.epoch) { _ in }
        here.unsubscribe(sub, filters: filters("kimchi.vms"))
        try await here.subscribe(sub, filters: filters("kimchi.vms")) { _ in }  // live from head 0
        laggingView.release()
        #expect(sub.ids == [1, 2])
    }

    /// A gap (ids trimmed before this router's fan-out read them) at or below a subscription's
    /// floor is nothing it missed: it is not closed. A subscriber live from before the gap is.
    @Test func aGapAtOrBelowAFloorDoesNotCloseTheSubscription() async throws {
        let (shared, laggingView, there, here) = try laggingPair(resumeWait: 0)
        let live = RecordingSubscriber()
        try await here.subscribe(live, filters: filters("kimchi.vms")) { _ in }  // from head 0
        _ = try await there.publish(topic: "kimchi.vms", data: ["name": "a"])
        let second = try await there.publish(topic: "kimchi.vms", data: ["name": "b"])
        let resumed = RecordingSubscriber()
        try await here.subscribe(resumed, filters: filters("kimchi.vms"), since: second.id, epoch: shared.memory.epoch) { _ in }
        laggingView.reportGap(HistoryGap(after: 0, through: second.id, missing: 2, topics: ["kimchi.vms"]))
        #expect(live.closedReason == .historyGap, "it missed 1 and 2")
        #expect(resumed.closedReason == nil, "it had them")
        #expect(here.subscriberCount == 1)
    }

    /// With no wait allowed, a resume ahead of the fan-out is answered at once (the fan-out never
    /// catches up in this test before the answer), floored at `since`.
    @Test func withResumeWaitZeroAResumeAheadOfTheFanOutIsAnsweredAtOnce() async throws {
        let (shared, laggingView, there, here) = try laggingPair(resumeWait: 0)
        let first = try await there.publish(topic: "kimchi.vms", data: ["name": "a"])
        let sub = RecordingSubscriber()
        var answer: SubscribeResult?
        try await here.subscribe(sub, filters: filters("kimchi.vms"), since: first.id, epoch: shared.memory.epoch) { answer = $0 }
        #expect(answer?.recovered == true && answer?.head == 0)
        #expect(laggingView.reads == 1, "one read of the committed head, no waiting")
        laggingView.release()
        #expect(sub.ids == [])
    }

    /// A `since` the store never committed counts in some other history: the resume is not
    /// recovered, and nothing is floored (the next notifications are delivered).
    @Test func resumingAfterAnIdNoRouterCommittedIsStillRefused() async throws {
        let shared = SharedHistory()
        let here = try makeRouter(over: shared.view())
        _ = try await here.publish(topic: "kimchi.vms", data: ["name": "a"])
        let sub = RecordingSubscriber()
        var recovered = true
        try await here.subscribe(sub, filters: filters("kimchi.vms"), since: 99, epoch: shared.memory.epoch) { recovered = $0.recovered }
        #expect(!recovered)
        let next = try await here.publish(topic: "kimchi.vms", data: ["name": "b"])
        #expect(sub.ids == [next.id], "no floor at 99")
    }

    /// A resume that cannot read the store's committed head is refused with `unavailable`, and
    /// nothing is registered.
    @Test func aResumeAheadOfTheFanOutWhoseHeadReadFailsIsUnavailable() async throws {
        let shared = SharedHistory()
        let laggingView = LaggingView(shared)
        let there = try makeRouter(over: shared.view())
        let here = try makeRouter(over: laggingView)
        let first = try await there.publish(topic: "kimchi.vms", data: ["name": "a"])
        laggingView.failReads = true
        let sub = RecordingSubscriber()
        await #expect(throws: RouterError.self) {
            try await here.subscribe(sub, filters: filters("kimchi.vms"), since: first.id, epoch: shared.memory.epoch) { _ in }
        }
        #expect(here.filters(of: sub).isEmpty)
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

    /// Tells the router's gap handler about `gap`, as a lagging PostgreSQL store does.
    func reportGap(_ gap: HistoryGap) { gapHandler.current?(gap) }
    private let gapHandler = Locked<(@Sendable (HistoryGap) -> Void)?>(nil)
    func setGapHandler(_ handler: @escaping @Sendable (HistoryGap) -> Void) { gapHandler.withLock { $0 = handler } }

    /// Reads made through this view.
    var reads: Int { readCount.current }
    private let readCount = Locked(0)

    var epoch: String { base.epoch }
    var head: UInt64 { base.head }
    func setCommitHandler(_ handler: @escaping @Sendable ([WokNotification]) -> Void) { pending.withLock { $0.handler = handler } }
    func append(_ items: [PendingNotification], completion: @escaping @Sendable (Result<[WokNotification], HistoryError>) -> Void) {
        base.append(items, completion: completion)
    }
    /// Makes every read fail (`unavailable`).
    var failReads: Bool {
        get { failing.current }
        set { failing.withLock { $0 = newValue } }
    }
    private let failing = Locked(false)

    func read(filters: [TopicFilter], since: UInt64, limit: Int) async throws(HistoryError) -> HistoryRead {
        readCount.withLock { $0 += 1 }
        if failReads { throw .unavailable("the test made reads fail") }
        return try await base.read(filters: filters, since: since, limit: limit)
    }
    func trim(_ rules: RetentionRules, now: NotificationTime) async throws(HistoryError) -> Int { try await base.trim(rules, now: now) }
    func close() async {}
}
