import Foundation
import PostgresNIO
import WokRouterCore

/// A libpq-style connection URL, `postgres://user:password@host:port/database?sslmode=...`,
/// parsed into what postgres-nio needs.
///
/// Supported query parameters:
/// - `sslmode`: `disable` (plain TCP), `prefer` (the default, as libpq: TLS when the server
///   offers it, without checking its certificate), `require` (TLS or fail, certificate not
///   checked, as libpq), `verify-full` (TLS, certificate and host name checked against the
///   system's trust roots or `sslrootcert`). `allow` and `verify-ca` are refused.
/// - `sslrootcert`: a PEM file of trusted certificate authorities (with `verify-full`).
/// - `connect_timeout`: seconds to wait for a connection (default 10).
/// - `application_name`: shown in `pg_stat_activity` (default `wok-router`).
/// - `host`: a folder holding the server's UNIX socket (`/var/run/postgresql`), as libpq allows.
///
/// User and database default to `postgres`; host to `localhost`, port to 5432. Percent-encoded
/// characters in the user, password and database are decoded.
public struct PostgresURL: Sendable, CustomStringConvertible {
    /// How TLS is used (`sslmode`).
    public enum TLSMode: String, Sendable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, plain TCP otherwise; the certificate is not checked.
        case prefer
        /// TLS or no connection; the certificate is not checked (as libpq's `require`).
        case require
        /// TLS; the certificate chain and the host name are checked.
        case verifyFull = "verify-full"
    }

    /// The server's host name or address (`localhost` when the URL names none).
    public var host: String
    /// The server's TCP port (5432 when the URL names none).
    public var port: Int
    /// A UNIX socket path (from `?host=/folder`), used instead of host and port.
    public var unixSocketPath: String?
    /// The user to log in as (`postgres` when the URL names none).
    public var user: String
    /// The password, when the URL holds one.
    public var password: String?
    /// The database (the user's name when the URL names none).
    public var database: String
    /// How TLS is used (`sslmode`).
    public var tlsMode: TLSMode
    /// Trusted certificate authorities for `verify-full` (`sslrootcert`); nil: the system's.
    public var rootCertificatePath: String?
    /// Seconds to wait for a connection (`connect_timeout`).
    public var connectTimeoutSeconds: Int
    /// The name the server shows for the connections (`application_name`).
    public var applicationName: String

    /// Parses `text`.
    /// - Throws: `HistoryError.unavailable` naming what is wrong (scheme, port, an unsupported
    ///   `sslmode` or parameter).
    public init(_ text: String) throws(HistoryError) {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"),
              let components = URLComponents(string: text) else {
            throw .unavailable("\(PostgresURL.redacted(text)): expected postgres://user:password@host:port/database")
        }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw .unavailable("\(PostgresURL.redacted(text)): port \(port) is out of range") }
        user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = components.percentEncodedPath.removingPercentEncoding ?? components.path
        database = path.hasPrefix("/") ? String(path.dropFirst()) : path
        if database.isEmpty { database = user }
        tlsMode = .prefer
        connectTimeoutSeconds = 10
        applicationName = "wok-router"
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw .unavailable("sslmode=\(value) is not supported: use disable, prefer (the default), require or verify-full")
                }
                tlsMode = mode
            case "sslrootcert": rootCertificatePath = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else { throw .unavailable("connect_timeout=\(value): expected a positive number of seconds") }
                connectTimeoutSeconds = seconds
            case "application_name": applicationName = value
            case "host":
                guard value.hasPrefix("/") else { throw .unavailable("host=\(value): only a socket folder (starting with /) may be given as a parameter") }
                unixSocketPath = value + "/.s.PGSQL.\(port)"
            default:
                throw .unavailable("\(item.name)=...: unsupported connection parameter (supported: sslmode, sslrootcert, connect_timeout, application_name, host)")
            }
        }
        if rootCertificatePath != nil && tlsMode != .verifyFull {
            throw .unavailable("sslrootcert is only used with sslmode=verify-full")
        }
    }

    /// The URL without its password and parameters, for logs and errors.
    public var description: String {
        let credentials = password == nil ? user : user + ":***"
        let place = unixSocketPath.map { "[\($0)]" } ?? "\(host):\(port)"
        return "postgres://\(credentials)@\(place)/\(database)"
    }

    /// The postgres-nio connection settings.
    /// - Throws: `HistoryError.unavailable` when the TLS settings cannot be built (a bad `sslrootcert`).
    func connectionConfiguration() throws(HistoryError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let unixSocketPath {
            configuration = .init(unixSocketPath: unixSocketPath, username: user, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: try tls())
        }
        configuration.options.connectTimeout = .seconds(Int64(connectTimeoutSeconds))
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }

    private func tls() throws(HistoryError) -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch tlsMode {
        case .disable: return .disable
        case .prefer, .require: tls.certificateVerification = .none
        case .verifyFull:
            if let rootCertificatePath { tls.trustRoots = .file(rootCertificatePath) }
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw .unavailable("\(self): cannot set up TLS: \(error)")
        }
        return tlsMode == .prefer ? .prefer(context) : .require(context)
    }

    /// `text` with any password replaced by `***` (for logs and errors).
    public static func redacted(_ text: String) -> String {
        guard let components = URLComponents(string: text), components.password != nil else { return text }
        var copy = components
        copy.password = "***"
        return copy.string ?? "postgres://..."
    }
}
