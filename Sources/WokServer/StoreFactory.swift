import Logging
import WokHistorySQLite
import WokRouterCore

/// Opens the history store a `store` URL names: `memory:`, `sqlite:PATH`.
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
            throw ConfigurationError.invalid("store \(url): the PostgreSQL engine is not available in this build")
        }
        throw ConfigurationError.invalid("store \(url): expected memory:, sqlite:PATH or postgres://...")
    }
}
