import WokRouterCore

extension SQLiteHistoryStore {
    /// The schema version this engine writes (`meta.schema_version`).
    static let schemaVersion = 1

    static func prepareSchema(_ db: SQLiteConnection, _ configuration: SQLiteHistoryConfiguration) throws(HistoryError) {
        try db.execute("PRAGMA busy_timeout=\(configuration.busyTimeoutMilliseconds);")
        try db.execute("PRAGMA journal_mode=WAL;")
        try db.execute("PRAGMA synchronous=\(configuration.synchronous.rawValue);")
        if let bytes = configuration.maxDatabaseBytes {
            try db.execute("PRAGMA max_page_count=\(max(8, bytes / 4096));")
        }
        try db.execute("""
            BEGIN IMMEDIATE;
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS notifications(
                id INTEGER PRIMARY KEY, topic TEXT NOT NULL, time_ms INTEGER NOT NULL, data TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS notifications_by_topic ON notifications(topic, id);
            CREATE TABLE IF NOT EXISTS trims(topic TEXT PRIMARY KEY, through INTEGER NOT NULL) WITHOUT ROWID;
            INSERT OR IGNORE INTO meta(key, value) VALUES ('epoch', '\(Epoch.random())');
            INSERT OR IGNORE INTO meta(key, value) VALUES ('head', 0);
            INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', \(schemaVersion));
            COMMIT;
            """)
    }

    /// The epoch and head stored in the database.
    static func readMeta(_ db: SQLiteConnection) throws(HistoryError) -> (epoch: String, head: UInt64) {
        let statement: SQLiteStatement
        do {
            statement = try db.prepare("SELECT key, value FROM meta WHERE key IN ('epoch', 'head', 'schema_version')")
        } catch {
            throw .corrupt("\(db.path) is not a wok-router history database (\(error.message))")
        }
        try statement.bind([])
        var epoch: String?, head: UInt64?, version: Int64?
        while try statement.step() {
            switch statement.text(0) {
            case "epoch": epoch = statement.text(1)
            case "head": head = UInt64(max(0, statement.int(1)))
            default: version = statement.int(1)
            }
        }
        guard let epoch, let head else { throw .corrupt("\(db.path) has no epoch or head: not a wok-router history database") }
        if let version, version > schemaVersion {
            throw .corrupt("\(db.path) was written by a newer wok-router (schema version \(version))")
        }
        return (epoch, head)
    }
}
