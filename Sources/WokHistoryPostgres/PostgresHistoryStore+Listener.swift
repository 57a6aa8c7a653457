import CoreMetrics
import Logging
import PostgresNIO
import WokRouterCore

/// The LISTEN connection's lifecycle.
struct ListenerState: Sendable {
    /// The task that keeps a connection listening.
    var task: Task<Void, Never>?
    /// The connection listening now.
    var connection: PostgresConnection?
    var stopped = false
    /// Resumed after the first attempt to listen (successful or not).
    var started: CheckedContinuation<Void, Never>?
}

extension PostgresHistoryStore {
    /// Starts the listener task; returns after its first attempt, so that a router that starts
    /// hears the other routers' commits from the start (and, if the attempt failed, the task
    /// keeps retrying).
    func startListener() async {
        await withCheckedContinuation { continuation in
            listenerState.withLock { state in
                state.started = continuation
                state.task = Task { await listenLoop() }
            }
        }
    }

    /// Stops listening and waits for the task to end.
    func stopListener() async {
        let (task, connection) = listenerState.withLock { state in
            state.stopped = true
            return (state.task, state.connection)
        }
        task?.cancel()
        try? await connection?.close()
        await task?.value
    }

    /// Keeps one connection LISTENing on the channel; after each (re)connection reads the
    /// committed head so that commits announced while it was away are handed over too.
    private func listenLoop() async {
        var delay = configuration.reconnectDelaySeconds
        var connectionID = 0
        while !listenerState.withLock({ $0.stopped }) {
            connectionID += 1
            do {
                let connection = try await PostgresConnection.connect(configuration: listenerConfiguration, id: connectionID, logger: logger)
                let stopped = listenerState.withLock { state in
                    if !state.stopped { state.connection = connection }
                    return state.stopped
                }
                if stopped {
                    try? await connection.close()
                    break
                }
                defer { connection.close().whenComplete { _ in _ = connection } }
                try await connection.listen(on: configuration.channel) { notifications in
                    // Queries run in order on a connection: this one runs after LISTEN took effect.
                    let head = try await committedHead(on: connection)
                    dispatcher.announce(head)
                    listensTotal.increment()
                    logger.debug("listening for commits", metadata: ["channel": "\(configuration.channel)", "head": "\(head)"])
                    signalStarted()
                    delay = configuration.reconnectDelaySeconds
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await notification in notifications {
                                if let id = UInt64(notification.payload) { self.dispatcher.announce(id) }
                            }
                        }
                        // The heartbeat: a connection cut without a word (no FIN, no RST) would
                        // otherwise stay silent for hours, its NOTIFYs lost; reading the head also
                        // hands over whatever was committed without one reaching this router.
                        group.addTask {
                            while true {
                                try await Task.sleep(for: .milliseconds(Int64(self.configuration.heartbeatSeconds * 1000)))
                                self.dispatcher.announce(try await self.committedHead(on: connection))
                            }
                        }
                        // Either ends only when the connection does (or the listener stops).
                        try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                if listenerState.withLock({ $0.stopped }) { break }
                logger.warning("PostgreSQL listener connection lost; reconnecting",
                               metadata: ["url": "\(url)", "error": "\(PostgresFailure.describe(error))", "retryInSeconds": "\(delay)"])
            }
            signalStarted()
            if listenerState.withLock({ $0.stopped }) { break }
            try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            delay = min(delay * 2, configuration.maxReconnectDelaySeconds)
        }
        signalStarted()
    }

    /// The head committed in the database (every id up to it is committed), read on `connection`
    /// within the answer bound.
    private func committedHead(on connection: PostgresConnection) async throws -> UInt64 {
        let logger = logger
        let head = try await PostgresAnswer.within(answerTimeout, on: connection) { connection in
            var head: Int64 = 0
            for try await value in try await connection.query("SELECT head FROM wok_history_meta", logger: logger).decode(Int64.self) {
                head = value
            }
            return head
        }
        return UInt64(max(0, head))
    }

    private func signalStarted() {
        let continuation = listenerState.withLock { state in
            defer { state.started = nil }
            return state.started
        }
        continuation?.resume()
    }
}
