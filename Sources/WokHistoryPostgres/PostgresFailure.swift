import PostgresNIO
import WokRouterCore

/// Turns postgres-nio's errors into `HistoryError`s a person can act on, and tells whether the
/// connection that raised one must be dropped.
enum PostgresFailure {
    /// Whether `error` left the connection unusable: anything but an error the server reported
    /// for one statement, or a server error of class 08 (connection exception) or 57P (operator
    /// intervention: the session was terminated, the server is shutting down).
    static func isConnectionLost(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            guard error.code == .server else { return true }
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || state.hasPrefix("57P")
        }
        if let error = error as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.commitError].contains { $0.map(isConnectionLost) ?? false }
        }
        return true
    }

    /// Whether the server refused a statement because of the data it carried (SQLSTATE class 22,
    /// 23 or 54), so that the same rows in another statement might be refused alone.
    static func isDataRefusal(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, error.code == .server, let state = error.serverInfo?[.sqlState] else { return false }
        return ["22", "23", "54"].contains(String(state.prefix(2)))
    }

    /// The SQLSTATE the server sent for `error` (inside a transaction's error too), if any.
    static func sqlState(_ error: any Error) -> String? {
        if let error = error as? PSQLError { return error.code == .server ? error.serverInfo?[.sqlState] : nil }
        if let error = error as? PostgresTransactionError {
            return (error.closureError ?? error.beginError ?? error.commitError).flatMap(sqlState)
        }
        return nil
    }

    /// A `HistoryError.unavailable` saying what `doing` met, with the server's message and
    /// SQLSTATE when it sent one.
    static func history(_ error: any Error, doing: String, at url: PostgresURL) -> HistoryError {
        if let error = error as? HistoryError { return error }
        return .unavailable("PostgreSQL \(url): \(doing) failed: \(describe(error))")
    }

    /// One line about `error`.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let info = error.serverInfo, let message = info[.message] {
                return "\(message) (SQLSTATE \(info[.sqlState] ?? "?"))"
            }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return describe(inner) }
        }
        return "\(error)"
    }
}
