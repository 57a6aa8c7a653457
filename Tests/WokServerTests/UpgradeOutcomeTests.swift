import NIOCore
import NIOPosix
import Testing
@testable import WokServer

/// `UpgradeOutcome`: a connection task reads its upgrade future's result, whether the upgrade
/// finished before the task asked or after.
@Suite(.timeLimit(.minutes(1)))
struct UpgradeOutcomeTests {
    struct Refused: Error {}

    let loop = MultiThreadedEventLoopGroup.singleton.next()

    func make() async throws -> (EventLoopPromise<PushUpgradeChannel.UpgradeResult>, UpgradeOutcome) {
        let loop = self.loop
        return try await loop.submit {
            let promise = loop.makePromise(of: PushUpgradeChannel.UpgradeResult.self)
            return (promise, UpgradeOutcome(promise.futureResult))
        }.get()
    }

    @Test func resultCompletedBeforeTheTaskAsksIsReturned() async throws {
        let (promise, outcome) = try await make()
        // Completed on the loop: the outcome's callback has run when this returns.
        try await loop.submit { promise.succeed(.handled) }.get()
        guard case .handled = try await outcome.get() else { Issue.record("not handled"); return }
    }

    @Test func aWaitingTaskIsResumedWhenTheUpgradeCompletes() async throws {
        let (promise, outcome) = try await make()
        let waiting = Task { try await outcome.get() }
        try await Task.sleep(for: .milliseconds(20))  // the task is (most likely) waiting by now
        promise.succeed(.handled)
        guard case .handled = try await waiting.value else { Issue.record("not handled"); return }
    }

    @Test func aFailedUpgradeThrowsToTheTask() async throws {
        let (promise, outcome) = try await make()
        let waiting = Task { try await outcome.get() }
        promise.fail(Refused())
        await #expect(throws: Refused.self) { try await waiting.value }
        await #expect(throws: Refused.self) { try await outcome.get() }
    }
}
