import Logging
import PostgresNIO
import WokRouterCore

extension PostgresHistoryStore {
    /// The schema version this engine writes (`wok_history_meta.schema_version`).
    static let schemaVersion = 1
    /// The advisory lock key held while creating the tables (any constant; "wokrouter" in hex-ish).
    static let schemaLockKey: Int64 = 0x776F_6B72_6F75

    /// Creates the tables when missing (one transaction under an advisory lock, so that two
    /// routers starting at once do not race) and reads the epoch and head. When the tables all
    /// exist no DDL runs, so a user without `CREATE` on the schema can open the store.
    static func prepareSchema(_ slot: PostgresConnectionSlot, logger: Logger) async throws(HistoryError) -> (epoch: String, head: UInt64) {
        let row = try await slot.run("creating the history tables") { connection in
            var present = false
            for try await exists in try await connection.query("""
                SELECT to_regclass('wok_history_meta') IS NOT NULL AND to_regclass('wok_notifications') IS NOT NULL
                    AND to_regclass('wok_history_trims') IS NOT NULL
                """, logger: logger).decode(Bool.self) {
                present = exists
            }
            if present { return try await readMeta(connection, logger: logger) }
            return try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(schemaLockKey))", logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS wok_history_meta(
                        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                        epoch text NOT NULL, head bigint NOT NULL, schema_version integer NOT NULL)
                    """, logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS wok_notifications(
                        id bigint PRIMARY KEY, topic text NOT NULL, time_ms bigint NOT NULL, data text NOT NULL)
                    """, logger: logger)
                try await connection.query(
                    "CREATE INDEX IF NOT EXISTS wok_notifications_by_topic ON wok_notifications(topic, id)", logger: logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS wok_history_trims(topic text PRIMARY KEY, through bigint NOT NULL)", logger: logger)
                try await connection.query("""
                    INSERT INTO wok_history_meta(epoch, head, schema_version) VALUES (\(Epoch.random()), 0, \(schemaVersion))
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
                return try await readMeta(connection, logger: logger)
            }
        }
        guard let (epoch, head, version) = row else {
            throw .corrupt("PostgreSQL: wok_history_meta holds no row: not a wok-router history database")
        }
        if version > schemaVersion {
            throw .corrupt("PostgreSQL: the history tables were written by a newer wok-router (schema version \(version))")
        }
        return (epoch, UInt64(max(0, head)))
    }

    /// The meta row: epoch, head, schema version (nil when the table is empty).
    private static func readMeta(_ connection: PostgresConnection, logger: Logger) async throws -> (String, Int64, Int32)? {
        var meta: (String, Int64, Int32)?
        for try await row in try await connection.query(
            "SELECT epoch, head, schema_version FROM wok_history_meta", logger: logger).decode((String, Int64, Int32).self) {
            meta = row
        }
        return meta
    }
}
