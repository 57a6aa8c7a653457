import Foundation
import PostgresNIO

/// The PostgreSQL server the tests use: `WOK_TEST_POSTGRES_URL` (scripts/test starts a private
/// cluster and sets it). Without it the PostgreSQL tests fail, unless `WOK_TEST_POSTGRES_SKIP`
/// holds the reason to leave them out (for a local run without PostgreSQL; never in CI).
enum PostgresTestServer {
    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "WOK_TEST_POSTGRES_URL is not set: the PostgreSQL tests need a server. Run them through scripts/test "
                + "(it starts a private cluster), or start one with `scripts/test-postgres start DIR` and export the URL it prints; "
                + "to leave them out of a local run, set WOK_TEST_POSTGRES_SKIP to the reason."
        }
    }

    /// Why the PostgreSQL tests are left out, when `WOK_TEST_POSTGRES_SKIP` is set (and non-empty).
    static var skipReason: String? {
        guard let reason = ProcessInfo.processInfo.environment["WOK_TEST_POSTGRES_SKIP"], !reason.isEmpty else { return nil }
        return reason
    }

    /// The server's URL (a database an administrator may create databases from).
    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["WOK_TEST_POSTGRES_URL"], !url.isEmpty else { throw Missing() }
        return url
    }

    /// Ends every other session on the database `url` names (as a server restart or a network
    /// cut would), from a connection to the test server's own database.
    static func terminateConnections(to url: String) async throws {
        guard let target = URLComponents(string: url) else { throw Missing() }
        let database = String(target.path.dropFirst())
        try await withAdminConnection { connection, logger in
            try await connection.query("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(database) AND pid <> pg_backend_pid()
                """, logger: logger)
        }
    }

    /// A plain connection to the database `url` names (close it when done).
    static func connect(to url: String) async throws -> PostgresConnection {
        guard let components = URLComponents(string: url) else { throw Missing() }
        return try await PostgresConnection.connect(
            configuration: .init(host: components.host ?? "127.0.0.1", port: components.port ?? 5432,
                                 username: components.user ?? "postgres", password: components.password,
                                 database: String(components.path.dropFirst()), tls: .disable),
            id: 2, logger: Logger(label: "wok-test.postgres"))
    }

    /// Runs `sql` on the test server's own database (administration: roles, databases).
    static func administer(_ sql: String) async throws {
        try await withAdminConnection { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }

    /// The single integer `sql` selects, on the test server's own database.
    static func integer(_ sql: String) async throws -> Int64 {
        let value = Locked<Int64>(0)
        try await withAdminConnection { connection, logger in
            for try await number in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int64.self) {
                value.set(number)
            }
        }
        return value.get()
    }

    /// A value behind a lock (the admin connection's body is not isolated to the caller).
    private final class Locked<Value>: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Value
        init(_ value: Value) { self.value = value }
        func set(_ new: Value) { lock.lock(); value = new; lock.unlock() }
        func get() -> Value { lock.lock(); defer { lock.unlock() }; return value }
    }

    /// Runs `body` on a connection to the test server's own database.
    private static func withAdminConnection(_ body: (PostgresConnection, Logger) async throws -> Void) async throws {
        guard let components = URLComponents(string: try url()) else { throw Missing() }
        let logger = Logger(label: "wok-test.postgres")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: components.host ?? "127.0.0.1", port: components.port ?? 5432,
                                 username: components.user ?? "postgres", password: components.password,
                                 database: String(components.path.dropFirst()), tls: .disable),
            id: 1, logger: logger)
        do {
            try await body(connection, logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// Creates a new, empty database on the test server and returns its URL.
    static func newDatabase() async throws -> String {
        guard var components = URLComponents(string: try url()) else { throw Missing() }
        let name = "wok_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await withAdminConnection { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        components.path = "/" + name
        return components.string!
    }
}
