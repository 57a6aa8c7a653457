import VaporCSQLite
import WokRouterCore

/// One SQLite connection (the C library sqlite-nio vendors), used from one thread at a time.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String

    /// Opens (creating when `create`) the database at `path`.
    init(path: String, create: Bool) throws(HistoryError) {
        var handle: OpaquePointer?
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        if create { flags |= SQLITE_OPEN_CREATE }
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            throw .unavailable("cannot open SQLite database \(path): \(message)")
        }
        self.handle = handle
        self.path = path
        sqlite_nio_sqlite3_extended_result_codes(handle, 1)
    }

    deinit { sqlite_nio_sqlite3_close_v2(handle) }

    /// Whether the file was opened read-only (no write permission on it or its folder).
    var isReadOnly: Bool { sqlite_nio_sqlite3_db_readonly(handle, "main") == 1 }

    /// Runs SQL that returns no rows (several statements allowed).
    func execute(_ sql: String) throws(HistoryError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite_nio_sqlite3_exec(handle, sql, nil, nil, &message)
        if status != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? errorMessage
            sqlite_nio_sqlite3_free(message)
            throw .unavailable("\(path): \(text) (SQLite code \(status))")
        }
    }

    /// Prepares one statement.
    func prepare(_ sql: String) throws(HistoryError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw error(status) }
        return SQLiteStatement(statement, connection: self)
    }

    var errorMessage: String { String(cString: sqlite_nio_sqlite3_errmsg(handle)) }

    /// The error for a failed call: `unavailable`, naming the file and SQLite's message.
    func error(_ status: Int32) -> HistoryError {
        let primary = status & 0xff
        var message = "\(path): \(errorMessage) (SQLite code \(status))"
        if primary == SQLITE_FULL { message = "\(path): database or disk is full (SQLite code \(status))" }
        if primary == SQLITE_READONLY { message = "\(path): the database file is read-only (SQLite code \(status))" }
        if primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT { return .corrupt(message) }
        return .unavailable(message)
    }
}

/// A prepared statement; reset before each use.
final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let connection: SQLiteConnection

    init(_ handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit { sqlite_nio_sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to parameters 1, 2, ...
    func bind(_ values: [SQLiteValue]) throws(HistoryError) {
        sqlite_nio_sqlite3_reset(handle)
        sqlite_nio_sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .integer(let number): status = sqlite_nio_sqlite3_bind_int64(handle, index, number)
            case .text(let text): status = sqlite_nio_sqlite3_bind_text(handle, index, text, -1, transient)
            case .blob(let bytes):
                status = bytes.withUnsafeBytes { sqlite_nio_sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transient) }
            }
            guard status == SQLITE_OK else { throw connection.error(status) }
        }
    }

    /// Steps once: true when a row is available.
    func step() throws(HistoryError) -> Bool {
        let status = sqlite_nio_sqlite3_step(handle)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            sqlite_nio_sqlite3_reset(handle)
            throw connection.error(status)
        }
    }

    /// Runs the statement to completion, ignoring rows.
    func run(_ values: [SQLiteValue] = []) throws(HistoryError) {
        try bind(values)
        while try step() {}
        sqlite_nio_sqlite3_reset(handle)
    }

    func int(_ column: Int32) -> Int64 { sqlite_nio_sqlite3_column_int64(handle, column) }
    func isNull(_ column: Int32) -> Bool { sqlite_nio_sqlite3_column_type(handle, column) == SQLITE_NULL }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite_nio_sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite_nio_sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// Calls `body` with the column's bytes (no copy).
    func withBytes<R>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let pointer = sqlite_nio_sqlite3_column_blob(handle, column)
        let count = Int(sqlite_nio_sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
}

/// SQLITE_TRANSIENT: SQLite copies the bound value.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
