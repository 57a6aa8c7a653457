import Foundation
import WokHistoryPostgres
import WokJSON

/// One setting of ``WokServerConfiguration``: its name in config files (`snake_case`), its
/// environment variable (`WOK_ROUTER_` + upper case name), and how a value is applied.
package struct ConfigurationKey: Sendable {
    /// The kind of value a key takes.
    package enum Kind: Sendable { case string, optionalString, secret, int, double, bool, stringList, fileMode }

    package let name: String
    package let kind: Kind
    package let help: String
    let apply: @Sendable (inout WokServerConfiguration, Value) -> Void
    let read: @Sendable (WokServerConfiguration) -> JSON
    /// Whether the value is a path (or holds one), which a config file gives relative to its folder.
    package var path: PathStyle = .none

    /// How a value names a file or folder.
    package enum PathStyle: Sendable { case none, file, store }

    /// This key, its value a path of the given style.
    func path(_ style: PathStyle) -> Self {
        var key = self
        key.path = style
        return key
    }

    /// A parsed value.
    package enum Value: Sendable {
        case string(String?), int(Int), double(Double), bool(Bool), list([String])
    }

    /// The environment variable that sets this key.
    package var environmentName: String { "WOK_ROUTER_" + name.uppercased() }

    /// Parses a value given as text (environment variable or flag).
    package func parse(text: String) throws(ConfigurationError) -> Value {
        switch kind {
        case .string: return .string(text)
        case .optionalString: return .string(text.isEmpty ? nil : text)
        case .secret:
            // An empty variable (`WOK_ROUTER_AUTH_SECRET=$SECRET` with SECRET unset) must not open the router.
            guard !text.isEmpty else {
                throw .invalid("\(name) is set but empty: give a secret of at least 32 bytes, or leave \(environmentName) unset to run open")
            }
            return .string(text)
        case .int:
            guard let v = Int(text.replacingOccurrences(of: "_", with: "")) else { throw .badValue(name, text, "an integer") }
            return .int(v)
        case .double:
            guard let v = Double(text) else { throw .badValue(name, text, "a number") }
            return .double(v)
        case .bool:
            switch text.lowercased() {
            case "1", "true", "yes", "on": return .bool(true)
            case "0", "false", "no", "off": return .bool(false)
            default: throw .badValue(name, text, "true or false")
            }
        case .stringList:
            return .list(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        case .fileMode:
            // Octal, as chmod reads it: 660, 0660 and 0o660 are all rw-rw----.
            let digits = text.hasPrefix("0o") || text.hasPrefix("0O") ? String(text.dropFirst(2)) : text
            guard !digits.isEmpty, let v = Int(digits, radix: 8) else {
                throw .badValue(name, text, "an octal file mode such as 660, 0660 or 0o660")
            }
            return .int(v)
        }
    }

    /// Parses a value found in a config file.
    package func parse(json: JSON) throws(ConfigurationError) -> Value {
        switch kind {
        case .string:
            guard let s = json.string else { throw .badValue(name, json.serializedString(), "a string") }
            return .string(s)
        case .optionalString, .secret:
            if json.isNull { return .string(nil) }
            guard let s = json.string else { throw .badValue(name, json.serializedString(), "a string") }
            return .string(s)
        case .int:
            guard let v = json.int else { throw .badValue(name, json.serializedString(), "an integer") }
            return .int(Int(v))
        case .double:
            guard let v = json.double else { throw .badValue(name, json.serializedString(), "a number") }
            return .double(v)
        case .bool:
            guard let v = json.bool else { throw .badValue(name, json.serializedString(), "true or false") }
            return .bool(v)
        case .stringList:
            if let s = json.string { return try parse(text: s) }
            guard json.isArray else { throw .badValue(name, json.serializedString(), "a list of strings") }
            var out: [String] = []
            for e in json.elements {
                guard let s = e.string else { throw .badValue(name, json.serializedString(), "a list of strings") }
                out.append(s)
            }
            return .list(out)
        case .fileMode:
            // A number is the mode itself (TOML reads 0o660 as 432); a string is read as octal text.
            if let s = json.string { return try parse(text: s) }
            guard let v = json.int else { throw .badValue(name, json.serializedString(), "a file mode (0o660 in TOML)") }
            return .int(Int(v))
        }
    }
}

extension ConfigurationKey {
    static func string(_ name: String, _ kp: any WritableKeyPath<WokServerConfiguration, String> & Sendable, _ help: String) -> Self {
        .init(name: name, kind: .string, help: help, apply: { c, v in if case .string(let s?) = v { c[keyPath: kp] = s } },
              read: { .string($0[keyPath: kp]) })
    }
    static func optional(_ name: String, _ kp: any WritableKeyPath<WokServerConfiguration, String?> & Sendable, _ help: String, secret: Bool = false) -> Self {
        .init(name: name, kind: secret ? .secret : .optionalString, help: help, apply: { c, v in if case .string(let s) = v { c[keyPath: kp] = s } },
              read: { c in c[keyPath: kp].map { secret ? .string("(set)") : .string($0) } ?? .null })
    }
    static func int(_ name: String, _ kp: any WritableKeyPath<WokServerConfiguration, Int> & Sendable, _ help: String) -> Self {
        .init(name: name, kind: .int, help: help, apply: { c, v in if case .int(let i) = v { c[keyPath: kp] = i } },
              read: { .int(Int64($0[keyPath: kp])) })
    }
    static func double(_ name: String, _ kp: any WritableKeyPath<WokServerConfiguration, Double> & Sendable, _ help: String) -> Self {
        .init(name: name, kind: .double, help: help, apply: { c, v in
            if case .double(let d) = v { c[keyPath: kp] = d } else if case .int(let i) = v { c[keyPath: kp] = Double(i) }
        }, read: { .double($0[keyPath: kp]) })
    }
    static func bool(_ name: String, _ kp: any WritableKeyPath<WokServerConfiguration, Bool> & Sendable, _ help: String) -> Self {
        .init(name: name, kind: .bool, help: help, apply: { c, v in if case .bool(let b) = v { c[keyPath: kp] = b } },
              read: { .bool($0[keyPath: kp]) })
    }
    static func list(_ name: String, _ kp: any WritableKeyPath<WokServerConfiguration, [String]> & Sendable, _ help: String) -> Self {
        .init(name: name, kind: .stringList, help: help, apply: { c, v in if case .list(let l) = v { c[keyPath: kp] = l } },
              read: { .array($0[keyPath: kp].map { .string($0) }) })
    }

    /// Every key, in the order `--print-config` shows them.
    package static let all: [ConfigurationKey] = [
        .string("host", \.host, "address to bind"),
        .int("port", \.port, "TCP port (0: any free port)"),
        .optional("unix_socket", \.unixSocket, "also serve the HTTP API on this UNIX socket").path(.file),
        .init(name: "unix_socket_mode", kind: .fileMode, help: "file mode of the UNIX socket, in octal (660, 0o660 in TOML)",
              apply: { c, v in if case .int(let i) = v { c.unixSocketMode = i } },
              read: { .string("0o" + String($0.unixSocketMode, radix: 8)) }),
        .init(name: "store", kind: .optionalString, help: "history store: memory:, sqlite:PATH, postgres://...",
              apply: { c, v in if case .string(let s) = v { c.store = s } },
              read: { .string(PostgresURL.redacted($0.effectiveStore)) }).path(.store),  // a database password shows as ***
        .string("root", \.root, "folder holding schemas/ and plugins/").path(.file),
        .optional("public_dir", \.publicDir, "folder with the browser client and demo pages").path(.file),
        .optional("auth_secret", \.authSecret, "HS256 secret for tokens (none: open router)", secret: true),
        .list("allowed_origins", \.allowedOrigins, "Origin values allowed on /push (empty: any)"),
        .string("log_level", \.logLevel, "trace, debug, info, notice, warning, error, critical"),
        .bool("tcp_nodelay", \.tcpNoDelay, "TCP_NODELAY on accepted sockets"),
        .int("event_loops", \.eventLoops, "event loop threads (0: one per core)"),
        .int("max_frame_bytes", \.maxFrameBytes, "largest client WebSocket message"),
        .int("max_filters", \.maxFilters, "filters per push connection, and per topics= list of /events and GET /notifications"),
        .double("client_frame_rate", \.clientFrameRate, "client frames per second per connection"),
        .int("client_frame_burst", \.clientFrameBurst, "client frame burst above the rate"),
        .int("outbound_queue_bytes", \.outboundQueueBytes, "outbound queue bound in bytes per connection"),
        .int("outbound_queue_frames", \.outboundQueueFrames, "outbound queue bound in frames per connection"),
        .int("max_connections", \.maxConnections, "TCP connections, and push, SSE and long-poll connections, at once"),
        .int("max_refusals", \.maxRefusals, "TCP connections past max_connections being answered 503 at once"),
        .int("descriptor_reserve", \.descriptorReserve, "file descriptors below ulimit -n that connections may not take"),
        .int("max_body_bytes", \.maxBodyBytes, "largest HTTP request body"),
        .double("request_timeout", \.requestTimeout, "seconds to receive a whole request"),
        .double("idle_timeout", \.idleTimeout, "seconds an idle keep-alive connection stays open"),
        .double("linger_timeout", \.lingerTimeout, "seconds an early-answered connection drains its input before closing"),
        .int("linger_bytes", \.lingerBytes, "bytes an early-answered connection drains at most before closing"),
        .double("ping_interval", \.pingInterval, "seconds between server pings on /push"),
        .double("ping_timeout", \.pingTimeout, "seconds of client silence before /push closes"),
        .double("close_timeout", \.closeTimeout, "seconds a closed push socket may take to answer the close frame"),
        .double("sse_heartbeat", \.sseHeartbeat, "seconds between SSE heartbeat comments"),
        .double("max_wait", \.maxWait, "largest long-poll wait in seconds"),
        .int("max_history_limit", \.maxHistoryLimit, "largest limit= of GET /notifications"),
        .double("retention_interval", \.retentionInterval, "seconds between retention passes"),
        .double("resume_wait", \.resumeWait, "seconds a resume waits for this router's fan-out to reach a since another router committed"),
    ]

    /// The key named `name`, accepting `-` for `_`.
    package static func named(_ name: String) -> ConfigurationKey? {
        let n = name.replacingOccurrences(of: "-", with: "_").lowercased()
        return all.first { $0.name == n }
    }
}
