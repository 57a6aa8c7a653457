import Logging
import WokHistoryPostgres
import WokHistorySQLite
import WokRouterCore

/// Opens the history store a `store` URL names: `memory:`, `sqlite:PATH`, or
/// `postgres://user:password@host:port/database` (also `postgresql://`; see `PostgresURL` for
/// `sslmode` and the other parameters), which several routers may share.
enum StoreFactory {
    static func open(_ url: String, root: String, logger: Logger) async throws -> any HistoryStore {
        if url == "memory:" || url == "memory" { return MemoryHistoryStore() }
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            if path.isEmpty { path = root + "/wok-router.sqlite" }
            do {
                return try SQLiteHistoryStore(path: path, logger: logger)
            } catch {
                throw ConfigurationError.invalid("store \(url): \(error)")
            }
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            do {
                return try await PostgresHistoryStore(url: url, logger: logger)
            } catch {
                throw ConfigurationError.invalid("store \(PostgresURL.redacted(url)): \(error)")
            }
        }
        throw ConfigurationError.invalid("store \(url): expected memory:, sqlite:PATH or postgres://...")
    }
}
