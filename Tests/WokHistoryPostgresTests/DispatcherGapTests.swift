import Testing
@testable import WokHistoryPostgres
import WokJSON
import WokRouterCore

/// `PostgresCommitDispatcher.gap`: which ids a catch-up read did not find.
struct DispatcherGapTests {
    func rows(_ ids: [UInt64]) -> [WokNotification] {
        ids.map { WokNotification(id: $0, topic: try! Topic("kimchi.vms"), time: .now(), data: [:], epoch: "e") }
    }

    @Test func aCompleteReadHasNoGap() {
        #expect(PostgresCommitDispatcher.gap(in: rows([3, 4, 5]), after: 2, reached: 5) == nil)
        #expect(PostgresCommitDispatcher.gap(in: [], after: 5, reached: 5) == nil)
    }

    @Test func missingIdsAtTheStartInTheMiddleAndAtTheEndAreOneGapFromTheFirstToTheLast() {
        let start = PostgresCommitDispatcher.gap(in: rows([5, 6]), after: 2, reached: 6)
        #expect(start == HistoryGap(after: 2, through: 4, missing: 2, topics: nil))
        let middle = PostgresCommitDispatcher.gap(in: rows([3, 6]), after: 2, reached: 6)
        #expect(middle == HistoryGap(after: 3, through: 5, missing: 2, topics: nil))
        let end = PostgresCommitDispatcher.gap(in: rows([3]), after: 2, reached: 6)
        #expect(end == HistoryGap(after: 3, through: 6, missing: 3, topics: nil))
        let scattered = PostgresCommitDispatcher.gap(in: rows([4, 6]), after: 2, reached: 7)
        #expect(scattered == HistoryGap(after: 2, through: 7, missing: 3, topics: nil))
        let everything = PostgresCommitDispatcher.gap(in: [], after: 2, reached: 4)
        #expect(everything == HistoryGap(after: 2, through: 4, missing: 2, topics: nil))
    }
}
