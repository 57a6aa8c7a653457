import Logging
import PostgresNIO
import WokRouterCore

/// One PostgreSQL connection opened on first use and reopened after it was lost.
///
/// `run` hands the connection to a body; when the body fails because the connection broke
/// (not because the server refused one statement), the connection is dropped and the next `run`
/// opens a new one. Statements from concurrent `run`s share the connection (postgres-nio queues
/// them in order). A connection that leaves a `run` unanswered for `answerTimeout` (the server's
/// own `statement_timeout` passed long ago: the network is cut) is closed and the run fails.
final class PostgresConnectionSlot: Sendable {
    private struct State {
        var connection: PostgresConnection?
        var closed = false
        var nextID = 0
    }

    private let url: PostgresURL
    private let configuration: PostgresConnection.Configuration
    private let name: String
    private let answerTimeout: Duration
    private let logger: Logger
    private let state = Locked(State())

    /// - Parameter name: what the connection is for, in logs (`writer`, `reader`, `listener`).
    init(url: PostgresURL, configuration: PostgresConnection.Configuration, name: String, answerTimeout: Duration, logger: Logger) {
        self.url = url
        self.configuration = configuration
        self.name = name
        self.answerTimeout = answerTimeout
        self.logger = logger
    }

    /// Runs `body` on the connection, connecting first when needed, for at most `answerTimeout`.
    /// - Throws: `HistoryError.unavailable` naming what failed (`doing`), `.closed` after `close()`.
    func run<T: Sendable>(_ doing: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(HistoryError) -> T {
        let connection = try await lease()
        do {
            return try await PostgresAnswer.within(answerTimeout, on: connection, body)
        } catch {
            if error is PostgresAnswer.TimedOut || PostgresFailure.isConnectionLost(error) {
                logger.warning("PostgreSQL \(name) connection lost", metadata: ["error": "\(PostgresFailure.describe(error))"])
                drop(connection)
            }
            throw PostgresFailure.history(error, doing: doing, at: url)
        }
    }

    /// The open connection, or a new one.
    func lease() async throws(HistoryError) -> PostgresConnection {
        let (closed, existing, id): (Bool, PostgresConnection?, Int) = state.withLock { state in
            if state.closed { return (true, nil, 0) }
            if let connection = state.connection, !connection.isClosed { return (false, connection, 0) }
            state.nextID += 1
            return (false, nil, state.nextID)
        }
        if closed { throw .closed }
        if let existing { return existing }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
        } catch {
            throw .unavailable("cannot connect to PostgreSQL \(url): \(PostgresFailure.describe(error))")
        }
        // Two callers may have connected at once: keep the first, close the other.
        let kept: PostgresConnection? = state.withLock { state in
            if state.closed { return nil }
            if let other = state.connection, !other.isClosed { return other }
            state.connection = connection
            return connection
        }
        if kept !== connection { try? await connection.close() }
        guard let kept else { throw .closed }
        return kept
    }

    /// Forgets `connection` (when it is still the current one) and closes it.
    func drop(_ connection: PostgresConnection) {
        state.withLock { state in
            if state.connection === connection { state.connection = nil }
        }
        // The closure keeps the connection alive until it is closed (postgres-nio asserts that).
        connection.close().whenComplete { _ in _ = connection }
    }

    /// Closes the connection; later `run`s throw `.closed`.
    func close() async {
        let connection = state.withLock { state in
            state.closed = true
            defer { state.connection = nil }
            return state.connection
        }
        try? await connection?.close()
    }
}
