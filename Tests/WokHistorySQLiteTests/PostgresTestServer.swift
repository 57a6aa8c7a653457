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

    /// Creates a new, empty database on the test server and returns its URL.
    static func newDatabase() async throws -> String {
        let admin = try url()
        guard var components = URLComponents(string: admin) else { throw Missing() }
        let name = "wok_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: components.host ?? "127.0.0.1", port: components.port ?? 5432,
                                 username: components.user ?? "postgres", password: components.password,
                                 database: String(components.path.dropFirst()), tls: .disable),
            id: 1, logger: Logger(label: "wok-test.postgres"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "wok-test.postgres"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        components.path = "/" + name
        return components.string!
    }
}
