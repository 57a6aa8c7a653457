import Logging
import WokRouterCore

/// Opens the history store a `store` URL names: `memory:`, `sqlite:PATH`.
enum StoreFactory {
    static func open(_ url: String, explicit: Bool, root: String, logger: Logger) async throws -> any HistoryStore {
        if url == "memory:" || url == "memory" { return MemoryHistoryStore() }
        if url.hasPrefix("sqlite:") && !explicit {
            // TODO(server): open WokHistorySQLite's store once it is on main.
            logger.warning("the SQLite store is not in this build yet: using the memory store (history is lost at restart)")
            return MemoryHistoryStore()
        }
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            if path.isEmpty { path = root + "/wok-router.sqlite" }
            throw ConfigurationError.invalid("store \(url): the SQLite engine is not in this build yet (path \(path))")
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            throw ConfigurationError.invalid("store \(url): the PostgreSQL engine is not available in this build")
        }
        throw ConfigurationError.invalid("store \(url): expected memory:, sqlite:PATH or postgres://...")
    }
}
