import PostgresNIO
import Testing
@testable import WokHistoryPostgres

/// The bound on unanswered work (a query postgres-nio would leave waiting forever, a cut network).
@Suite(.enabled(if: PostgresTestServer.skipReason == nil,
                Comment(rawValue: "WOK_TEST_POSTGRES_SKIP: \(PostgresTestServer.skipReason ?? "")")))
struct PostgresAnswerTests {
    @Test func workPastTheBoundFailsAndItsConnectionIsClosed() async throws {
        let connection = try await PostgresTestServer.connect(to: try await PostgresTestServer.newDatabase())
        await #expect(throws: PostgresAnswer.TimedOut.self) {
            try await PostgresAnswer.within(.milliseconds(300), on: connection) { connection in
                try await connection.query("SELECT pg_sleep(60)", logger: connection.logger)
                return 1
            }
        }
        try await waitUntil { connection.isClosed }
    }

    @Test func workWithinTheBoundReturnsItsResult() async throws {
        let connection = try await PostgresTestServer.connect(to: try await PostgresTestServer.newDatabase())
        let value = try await PostgresAnswer.within(.seconds(30), on: connection, selectNumber("SELECT 41 + 1"))
        #expect(value == 42)
        #expect(!connection.isClosed)
        try await connection.close()
    }

    /// The bound of a statement that answered must not outlive it: one per commit and per read,
    /// each holding its connection for the whole bound, would pile up under load.
    @Test func anAnsweredStatementLeavesNothingHoldingItsConnection() async throws {
        let watched = WeakConnection()
        do {
            let connection = try await PostgresTestServer.connect(to: try await PostgresTestServer.newDatabase())
            watched.value = connection
            let value = try await PostgresAnswer.within(.seconds(60), on: connection, selectNumber("SELECT 1"))
            #expect(value == 1)
            try await connection.close()
        }
        // Released soon after it closed, not when the 60 s bound would have run out.
        try await waitUntil { watched.value == nil }
    }
}

/// A query answering one integer, as the body `PostgresAnswer.within` runs.
private func selectNumber(_ sql: PostgresQuery) -> @Sendable (PostgresConnection) async throws -> Int {
    { connection in
        var value = 0
        for try await number in try await connection.query(sql, logger: connection.logger).decode(Int.self) {
            value = number
        }
        return value
    }
}

/// A weak reference the test can read from its polling closure.
private final class WeakConnection: @unchecked Sendable {
    weak var value: PostgresConnection?
}
