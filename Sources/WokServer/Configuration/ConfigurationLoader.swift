import Foundation
import TOMLKit
import WokJSON
import WokRouterCore

/// Builds a ``WokServerConfiguration`` in one place: defaults, then a config file (TOML, or JSON
/// when the name ends in `.json`), then `WOK_ROUTER_*` environment variables, then flags.
///
/// Relative paths (`root`, `store = "sqlite:PATH"`, `unix_socket`, `public_dir`) are read from the
/// config file's folder when the file gives them, from the working directory otherwise.
public struct ConfigurationLoader: Sendable {
    /// The config file, if any.
    public var file: String?
    /// The process environment.
    public var environment: [String: String]
    /// Flag values by key name (`port`, `unix_socket`, ...), given as text.
    public var flags: [(String, String)]

    /// - Parameters: see the properties.
    public init(file: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment, flags: [(String, String)] = []) {
        self.file = file
        self.environment = environment
        self.flags = flags
    }

    /// The effective configuration.
    /// - Throws: ``ConfigurationError`` naming the file, variable or flag that is wrong.
    public func load() throws(ConfigurationError) -> WokServerConfiguration {
        var config = WokServerConfiguration()
        let file = self.file ?? environment["WOK_ROUTER_CONFIG"]
        if let file, !file.isEmpty {
            let folder = Self.folder(of: file)
            for (key, value) in try Self.readFile(file) {
                guard let k = ConfigurationKey.named(key) else { throw .unknownKey(key, in: file) }
                k.apply(&config, Self.resolve(try k.parse(json: value), of: k, against: folder))
            }
        }
        for key in ConfigurationKey.all {
            if let text = environment[key.environmentName] {
                key.apply(&config, try key.parse(text: text))
            }
        }
        for (name, text) in flags {
            guard let k = ConfigurationKey.named(name) else { throw .unknownKey(name, in: "flags") }
            k.apply(&config, try k.parse(text: text))
        }
        var origins: [String] = []
        for entry in config.allowedOrigins { origins.append(try Self.origin(entry)) }
        config.allowedOrigins = origins
        try Self.check(config)
        return config
    }

    /// Variables of the command line itself, or of the test suites, that are not settings.
    static let otherVariables: Set<String> = ["WOK_ROUTER_CONFIG", "WOK_ROUTER_URL", "WOK_ROUTER_TOKEN", "WOK_ROUTER_BIN"]

    /// The `WOK_ROUTER_*` variables of the environment that name no setting (a typo such as
    /// `WOK_ROUTER_MAX_FILTER`, which would otherwise leave its setting at the default unnoticed),
    /// sorted, each with the nearest setting's variable when one is close.
    public var unknownEnvironmentVariables: [(name: String, suggestion: String?)] {
        let known = Set(ConfigurationKey.all.map(\.environmentName))
        return environment.keys.filter { $0.hasPrefix("WOK_ROUTER_") && !known.contains($0) && !Self.otherVariables.contains($0) }
            .sorted()
            .map { ($0, EditDistance.suggestions(for: $0, among: known, limit: 1).first) }
    }

    /// The longest duration a setting may hold: a year, in seconds.
    static let longestDuration: Double = 365 * 24 * 3600

    /// Refuses values no server can run with.
    static func check(_ c: WokServerConfiguration) throws(ConfigurationError) {
        func positive(_ name: String, _ v: Double) throws(ConfigurationError) {
            if !(v > 0) { throw .invalid("\(name) must be positive, not \(v)") }
        }
        // Durations become nanosecond counts and timer deadlines: a value past Int64 nanoseconds
        // (or infinite, or NaN) would trap on the first connection. A year is beyond any use.
        func duration(_ name: String, _ v: Double, allowZero: Bool = false) throws(ConfigurationError) {
            if allowZero, v == 0 { return }
            try positive(name, v)
            if !(v <= Self.longestDuration) { throw .invalid("\(name) must be at most \(Int(Self.longestDuration)) seconds (a year), not \(v)") }
        }
        if !(0...65535).contains(c.port) { throw .invalid("port must be 0...65535, not \(c.port)") }
        if !(0...0o777).contains(c.unixSocketMode) {
            // 660 written as a decimal TOML integer is 0o1224: refuse it rather than set odd permissions.
            let octal = c.unixSocketMode >= 0 ? " (0o\(String(c.unixSocketMode, radix: 8)))" : ""
            throw .invalid("unix_socket_mode must be a file mode from 0o000 to 0o777, not \(c.unixSocketMode)\(octal): "
                + "write it in octal (0o660 in TOML, 660 or 0660 in WOK_ROUTER_UNIX_SOCKET_MODE or --set)")
        }
        try positive("max_frame_bytes", Double(c.maxFrameBytes))
        try positive("max_filters", Double(c.maxFilters))
        try positive("client_frame_rate", c.clientFrameRate)
        try positive("client_frame_burst", Double(c.clientFrameBurst))
        try positive("outbound_queue_bytes", Double(c.outboundQueueBytes))
        try positive("outbound_queue_frames", Double(c.outboundQueueFrames))
        try positive("max_connections", Double(c.maxConnections))
        try positive("max_refusals", Double(c.maxRefusals))
        try positive("descriptor_reserve", Double(c.descriptorReserve))
        try positive("max_body_bytes", Double(c.maxBodyBytes))
        try duration("request_timeout", c.requestTimeout)
        try duration("idle_timeout", c.idleTimeout)
        try duration("linger_timeout", c.lingerTimeout)
        try positive("linger_bytes", Double(c.lingerBytes))
        try duration("ping_interval", c.pingInterval)
        try duration("ping_timeout", c.pingTimeout)
        try duration("sse_heartbeat", c.sseHeartbeat)
        try duration("close_timeout", c.closeTimeout)
        try positive("max_history_limit", Double(c.maxHistoryLimit))
        if c.maxWait < 0 { throw .invalid("max_wait must not be negative") }
        try duration("max_wait", c.maxWait, allowZero: true)
        try duration("retention_interval", c.retentionInterval)
        if c.resumeWait < 0 { throw .invalid("resume_wait must not be negative") }
        try duration("resume_wait", c.resumeWait, allowZero: true)
        if c.eventLoops < 0 { throw .invalid("event_loops must not be negative") }
        if let s = c.authSecret, s.utf8.count < 32 { throw .invalid("auth_secret must be at least 32 bytes (HS256 key size)") }
        if !["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(c.logLevel) {
            throw .invalid("log_level: \(c.logLevel) is not a log level")
        }
    }

    /// The key/value pairs of a config file; nested tables are flattened (a `[limits]` table's
    /// keys are read as top-level keys).
    /// - Throws: ``ConfigurationError`` for a file that cannot be read or parsed, a key repeated in
    ///   one table (TOML and, here, JSON refuse it, with its line), and a setting given in two places
    ///   (two tables, or one table under two spellings such as `max_filters` and `max-filters`),
    ///   naming both: flattened, one of them would silently win.
    static func readFile(_ path: String) throws(ConfigurationError) -> [(String, JSON)] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path, "cannot be read")
        }
        let isJSON = path.hasSuffix(".json")
        let json: JSON
        if isJSON {
            do { json = try JSON.parse(text, options: .init(rejectDuplicateKeys: true)) } catch { throw .unreadable(path, error.description) }
        } else {
            do {
                let table = try TOMLTable(string: text)
                // Integers as decimal: by default TOMLKit writes 0o660 or 0x10 into the JSON as such,
                // which is not JSON, and the whole file was refused as "not TOML".
                json = try JSON.parse(table.convert(to: .json, options: [.allowUnicodeStrings]))
            } catch {
                throw .unreadable(path, "not TOML: \(error)")
            }
        }
        guard json.isObject else { throw .unreadable(path, "must hold a table of settings") }
        var out: [(String, JSON)] = []
        var places: [String: String] = [:]  // setting name: where the file gave it
        func flatten(_ object: JSON, in tables: [String]) throws(ConfigurationError) {
            for (key, value) in object.members {
                if value.isObject {
                    try flatten(value, in: tables + [key])
                    continue
                }
                let place = "\(key) " + (tables.isEmpty ? "at the top level"
                    : isJSON ? "in object " + tables.map { "\"\($0)\"" }.joined(separator: ".") : "in [\(tables.joined(separator: "."))]")
                // An unknown key is refused as such by `load()`.
                guard let name = ConfigurationKey.named(key)?.name else {
                    out.append((key, value))
                    continue
                }
                if let first = places[name] {
                    throw .invalid("\(path): setting \"\(name)\" is given twice, as \(first) and as \(place): keep one")
                }
                places[name] = place
                out.append((key, value))
            }
        }
        try flatten(json, in: [])
        return out
    }

    /// The configuration as a JSON object, the secret hidden.
    public static func describe(_ config: WokServerConfiguration) -> String {
        var lines: [String] = []
        for key in ConfigurationKey.all {
            lines.append("  \"\(key.name)\": \(key.read(config).serializedString())")
        }
        return "{\n" + lines.joined(separator: ",\n") + "\n}"
    }
}
