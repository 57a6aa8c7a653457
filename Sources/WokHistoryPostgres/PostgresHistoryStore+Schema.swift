import Logging
import PostgresNIO
import WokRouterCore

extension PostgresHistoryStore {
    /// The schema version this engine writes (`wok_history_meta.schema_version`). It counts
    /// incompatible changes only: `wok_history_commits` was added compatibly (routers that predate
    /// it neither read nor write it), so a database that has it is still version 1.
    static let schemaVersion = 1
    /// The advisory lock key held while creating the tables (any constant; "wokrouter" in hex-ish).
    static let schemaLockKey: Int64 = 0x776F_6B72_6F75

    /// `wok_history_commits`: one row per commit, written by the commit statement itself, so that
    /// a writer whose answer was lost can tell whether its commit happened (see `resolve`).
    /// `last_id` is the commit's last id; NULL marks a token fenced off by a lookup (its commit
    /// never happened and can no longer happen).
    static let commitsTableDDL =
        "CREATE TABLE IF NOT EXISTS wok_history_commits(token uuid PRIMARY KEY, last_id bigint, committed_at timestamptz NOT NULL DEFAULT now())"
    /// The index the retention passes delete old commit tokens by (`deleteOldCommits`): without
    /// it each pass reads the whole table (one row per commit of the last hour, every router's).
    /// Added compatibly: routers that predate it neither need nor mind it.
    static let commitsIndexDDL =
        "CREATE INDEX IF NOT EXISTS wok_history_commits_by_committed_at ON wok_history_commits(committed_at)"

    /// Deletes the commit tokens older than `seconds` (a retention pass; uses `commitsIndexDDL`'s index).
    static func deleteOldCommits(olderThan seconds: Double) -> PostgresQuery {
        "DELETE FROM wok_history_commits WHERE committed_at < now() - make_interval(secs => \(seconds))"
    }

    /// Creates the tables when missing (one transaction under an advisory lock, so that two
    /// routers starting at once do not race) and reads the epoch and head. When the tables all
    /// exist no DDL runs, so a user without `CREATE` on the schema can open the store.
    ///
    /// Migration: a database written before `wok_history_commits` (or its `committed_at` index)
    /// existed gets it here, under the same lock, when this user may create it; otherwise opening
    /// fails with an error holding the SQL to run as the tables' owner. A user who may not write
    /// `wok_history_commits` is refused at once (every publish would fail), with the `GRANT` to run.
    static func prepareSchema(_ slot: PostgresConnectionSlot, logger: Logger) async throws(HistoryError) -> (epoch: String, head: UInt64) {
        let outcome = try await slot.run("creating the history tables") { connection -> SchemaOutcome in
            var present = (core: false, commits: false, commitsIndex: false)
            for try await (core, commits, commitsIndex) in try await connection.query("""
                SELECT to_regclass('wok_history_meta') IS NOT NULL AND to_regclass('wok_notifications') IS NOT NULL
                    AND to_regclass('wok_history_trims') IS NOT NULL, to_regclass('wok_history_commits') IS NOT NULL,
                    to_regclass('wok_history_commits_by_committed_at') IS NOT NULL
                """, logger: logger).decode((Bool, Bool, Bool).self) {
                present = (core, commits, commitsIndex)
            }
            if !(present.core && present.commits && present.commitsIndex) {
                do {
                    try await createTables(connection, logger: logger)
                } catch where present.core && PostgresFailure.sqlState(error) == "42501" {
                    // insufficient_privilege: an older schema this user may not extend
                    return present.commits ? .cannotCreateCommitsIndex : .cannotMigrate
                }
            }
            var allowed = false
            for try await value in try await connection.query("""
                SELECT has_table_privilege('wok_history_commits', 'SELECT') AND has_table_privilege('wok_history_commits', 'INSERT')
                    AND has_table_privilege('wok_history_commits', 'UPDATE') AND has_table_privilege('wok_history_commits', 'DELETE')
                """, logger: logger).decode(Bool.self) {
                allowed = value
            }
            if !allowed { return .commitsNotGranted }
            return .ready(try await readMeta(connection, logger: logger))
        }
        let row: (String, Int64, Int32)?
        switch outcome {
        case .cannotMigrate:
            throw .unavailable("""
                PostgreSQL: the history tables predate wok_history_commits and this user may not create it; \
                as the tables' owner, run: \(commitsTableDDL); \(commitsIndexDDL); \
                then GRANT SELECT, INSERT, UPDATE, DELETE ON wok_history_commits TO the routers' users \
                (or start one router once as a user that may create tables)
                """)
        case .cannotCreateCommitsIndex:
            throw .unavailable("""
                PostgreSQL: wok_history_commits predates its index wok_history_commits_by_committed_at \
                (the retention passes delete old commit tokens by it) and this user may not create it; \
                as the table's owner, run: \(commitsIndexDDL) \
                (or start one router once as a user that may create it)
                """)
        case .commitsNotGranted:
            throw .unavailable("""
                PostgreSQL: this user may not read and write wok_history_commits (every commit writes it): \
                GRANT SELECT, INSERT, UPDATE, DELETE ON wok_history_commits TO it
                """)
        case .ready(let meta):
            row = meta
        }
        guard let (epoch, head, version) = row else {
            throw .corrupt("PostgreSQL: wok_history_meta holds no row: not a wok-router history database")
        }
        if version > schemaVersion {
            throw .corrupt("PostgreSQL: the history tables were written by a newer wok-router (schema version \(version))")
        }
        return (epoch, UInt64(max(0, head)))
    }

    private enum SchemaOutcome: Sendable {
        case ready((String, Int64, Int32)?)
        case cannotMigrate
        case cannotCreateCommitsIndex
        case commitsNotGranted
    }

    /// Creates whatever table or index is missing, in one transaction under the advisory lock.
    private static func createTables(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
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
            try await connection.query(PostgresQuery(unsafeSQL: commitsTableDDL), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: commitsIndexDDL), logger: logger)
            try await connection.query("""
                INSERT INTO wok_history_meta(epoch, head, schema_version) VALUES (\(Epoch.random()), 0, \(schemaVersion))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
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
