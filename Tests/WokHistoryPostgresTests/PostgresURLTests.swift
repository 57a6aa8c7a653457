import Testing
import WokHistoryPostgres
import WokRouterCore

/// Parsing `--store postgres://...` (pure logic, no server).
@Suite struct PostgresURLTests {
    @Test func readsEveryPartAndDecodesPercentEscapes() throws {
        let url = try PostgresURL("postgres://wok%40router:p%3Ass@db.example:6543/wok_history?sslmode=disable&connect_timeout=3")
        #expect(url.user == "wok@router" && url.password == "p:ss")
        #expect(url.host == "db.example" && url.port == 6543 && url.database == "wok_history")
        #expect(url.tlsMode == .disable && url.connectTimeoutSeconds == 3)
        #expect(url.description == "postgres://wok@router:***@db.example:6543/wok_history", "the password never shows")
    }

    @Test func defaultsFollowLibpq() throws {
        let url = try PostgresURL("postgresql://")
        #expect(url.host == "localhost" && url.port == 5432 && url.user == "postgres" && url.database == "postgres")
        #expect(url.tlsMode == .prefer, "TLS when the server offers it, as libpq")
        #expect(try PostgresURL("postgres://me@h").database == "me", "the database defaults to the user")
    }

    @Test func aSocketFolderMayBeGivenAsHost() throws {
        let url = try PostgresURL("postgres://wok@/wok?host=/var/run/postgresql")
        #expect(url.unixSocketPath == "/var/run/postgresql/.s.PGSQL.5432")
    }

    @Test(arguments: [
        ("postgres://h/db?sslmode=verify-ca", "sslmode=verify-ca is not supported"),
        ("postgres://h/db?sslmode=allow", "sslmode=allow is not supported"),
        ("postgres://h/db?target_session_attrs=any", "unsupported connection parameter"),
        ("postgres://h/db?connect_timeout=soon", "connect_timeout=soon"),
        ("postgres://h/db?sslrootcert=/ca.pem", "only used with sslmode=verify-full"),
        ("mysql://h/db", "expected postgres://"),
    ])
    func unsupportedSettingsAreClearErrors(text: String, message: String) {
        #expect { try PostgresURL(text) } throws: { "\($0)".contains(message) }
    }

    @Test func redactionHidesThePassword() {
        #expect(PostgresURL.redacted("postgres://u:secret@h/db") == "postgres://u:***@h/db")
        #expect(PostgresURL.redacted("postgres://u@h/db") == "postgres://u@h/db")
    }
}
