import Foundation
import Testing
import WokServer

/// Configuration: defaults, then file (TOML or JSON), then environment, then flags.
struct ConfigurationTests {
    @Test func defaultsAreThoseDocumented() throws {
        let c = try ConfigurationLoader(environment: [:]).load()
        #expect(c.port == 8080 && c.host == "127.0.0.1")
        #expect(c.maxFrameBytes == 65536 && c.maxBodyBytes == 1 << 20 && c.maxFilters == 256)
        #expect(c.outboundQueueBytes == 1 << 20 && c.outboundQueueFrames == 1024)
        #expect(c.authSecret == nil)
        #expect(c.effectiveStore == "sqlite:./wok-router.sqlite")
        #expect(c.resumeWait == 2)
        #expect(c.retentionInterval == 60)
        #expect(c.maxConnections == 20_000 && c.maxRefusals == 1000)
    }

    @Test func fileThenEnvironmentThenFlags() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wok-\(UUID().uuidString).toml").path
        try """
            port = 9000
            host = "0.0.0.0"
            allowed_origins = ["https://a.example", "https://b.example"]

            [limits]
            max_filters = 10
            client_frame_rate = 5.5
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let c = try ConfigurationLoader(file: path, environment: ["WOK_ROUTER_PORT": "9100", "WOK_ROUTER_MAX_FILTERS": "12"],
                                        flags: [("port", "9200")]).load()
        #expect(c.port == 9200)
        #expect(c.host == "0.0.0.0")
        #expect(c.maxFilters == 12)
        #expect(c.clientFrameRate == 5.5)
        #expect(c.allowedOrigins == ["https://a.example", "https://b.example"])
    }

    @Test func jsonFileIsReadToo() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wok-\(UUID().uuidString).json").path
        try #"{"port": 7000, "tcp_nodelay": false, "store": "memory:"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let c = try ConfigurationLoader(file: path, environment: [:]).load()
        #expect(c.port == 7000 && c.tcpNoDelay == false && c.effectiveStore == "memory:")
    }

    @Test(arguments: [
        ["WOK_ROUTER_PORT": "eighty"], ["WOK_ROUTER_PORT": "70000"], ["WOK_ROUTER_MAX_FILTERS": "0"],
        ["WOK_ROUTER_AUTH_SECRET": "short"], ["WOK_ROUTER_LOG_LEVEL": "loud"], ["WOK_ROUTER_TCP_NODELAY": "maybe"],
        ["WOK_ROUTER_MAX_REFUSALS": "0"],
    ])
    func badValuesAreRefusedWithTheirName(environment: [String: String]) throws {
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader(environment: environment).load() }
    }

    /// Durations that would trap when turned into nanoseconds on the first connection (a huge,
    /// infinite or NaN request_timeout or idle_timeout crashed the router), and an idle_timeout of
    /// zero or less (every keep-alive connection closed right after its answer), are refused.
    @Test(arguments: [
        ("request_timeout", "1e12"), ("request_timeout", "inf"), ("idle_timeout", "1e12"), ("idle_timeout", "nan"),
        ("idle_timeout", "0"), ("idle_timeout", "-5"), ("ping_interval", "1e12"), ("close_timeout", "inf"),
        ("sse_heartbeat", "1e300"), ("max_wait", "1e12"), ("ping_timeout", "nan"), ("resume_wait", "-1"), ("resume_wait", "inf"),
        ("retention_interval", "0"), ("retention_interval", "nan"),
    ])
    func unusableDurationsAreRefusedWithTheirName(name: String, value: String) throws {
        do {
            _ = try ConfigurationLoader(environment: [:], flags: [(name, value)]).load()
            Issue.record("\(name) = \(value) was accepted")
        } catch {
            #expect("\(error)".contains(name))
        }
        _ = try ConfigurationLoader(environment: [:], flags: [(name, "31536000")]).load()
    }

    @Test func theRepositoryExampleConfigurationLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("wok-router.example.toml").path
        let c = try ConfigurationLoader(file: path, environment: [:]).load()
        #expect(c.allowedOrigins == ["https://wok.example:8001"])
        #expect(c.closeTimeout == 30)
    }

    @Test func unknownFileKeyIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wok-\(UUID().uuidString).toml").path
        try "prot = 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader(file: path, environment: [:]).load() }
    }

    /// unix_socket_mode is octal wherever it is text, as chmod reads it: `--set
    /// unix_socket_mode=0660` (or `WOK_ROUTER_UNIX_SOCKET_MODE=660`) was read as decimal 660, that
    /// is 0o1224 (sticky bit, owner write-only, others read). A TOML integer is the mode itself
    /// (`0o600`); one past 0o777 (`660`, decimal) is refused, saying how to write it.
    @Test func unixSocketModeIsOctalAndAFileMode() throws {
        for text in ["660", "0660", "0o660"] {
            #expect(try ConfigurationLoader(environment: [:], flags: [("unix_socket_mode", text)]).load().unixSocketMode == 0o660, "\(text)")
            #expect(try ConfigurationLoader(environment: ["WOK_ROUTER_UNIX_SOCKET_MODE": text]).load().unixSocketMode == 0o660, "\(text)")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wok-\(UUID().uuidString).toml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "unix_socket_mode = 0o600\n".write(toFile: path, atomically: true, encoding: .utf8)
        let fromFile = try ConfigurationLoader(file: path, environment: [:]).load()
        #expect(fromFile.unixSocketMode == 0o600)
        #expect(ConfigurationLoader.describe(fromFile).contains("\"unix_socket_mode\": \"0o600\""))
        try "unix_socket_mode = 660\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try ConfigurationLoader(file: path, environment: [:]).load()
            Issue.record("a decimal 660 (0o1224) was accepted as a file mode")
        } catch {
            #expect(error.description.contains("unix_socket_mode") && error.description.contains("0o660"), "\(error)")
        }
        for bad in ["rw-rw----", "0o8", "1000", "-1", ""] {
            #expect(throws: ConfigurationError.self, "\(bad)") {
                try ConfigurationLoader(environment: [:], flags: [("unix_socket_mode", bad)]).load()
            }
        }
    }

    /// An empty `WOK_ROUTER_AUTH_SECRET` (say, set from a variable that was not) ran the router open,
    /// with only the start-up warning, where `auth_secret = ""` in a file is refused. A secret that
    /// is set but empty is refused wherever it comes from; an unset one still runs open.
    @Test func anEmptySecretIsRefusedInsteadOfRunningOpen() throws {
        do {
            _ = try ConfigurationLoader(environment: ["WOK_ROUTER_AUTH_SECRET": ""]).load()
            Issue.record("an empty WOK_ROUTER_AUTH_SECRET was accepted: the router would run open")
        } catch {
            #expect(error.description.contains("auth_secret") && error.description.contains("empty"), "\(error)")
        }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader(environment: [:], flags: [("auth_secret", "")]).load() }
        #expect(try ConfigurationLoader(environment: [:]).load().authSecret == nil, "unset: open, as documented")
    }

    /// `/push` and `/events` compare `Origin` with each allowed origin as strings, and a browser
    /// sends `https://wok.example` (lower case, no default port, no slash). An entry written as
    /// `https://WoK.example:443/` or `wok.example:8001` matched no browser: every push socket was
    /// refused with 1008 and nothing said why. Entries are now written as browsers send them, and
    /// one that is not an origin is refused at start.
    @Test func allowedOriginsAreReadAsBrowsersSendThem() throws {
        let written = ["https://WoK.example:443/", "http://127.0.0.1:8080", "https://wok.example:8001/", "http://a.example:80", "null"]
        let c = try ConfigurationLoader(environment: ["WOK_ROUTER_ALLOWED_ORIGINS": written.joined(separator: ",")]).load()
        #expect(c.allowedOrigins == ["https://wok.example", "http://127.0.0.1:8080", "https://wok.example:8001", "http://a.example", "null"])
        for bad in ["wok.example:8001", "https://wok.example/wok/", "https://admin@wok.example", "https://wok.example:99999",
                    "https://", "https://wok.example:", "//wok.example"] {
            do {
                _ = try ConfigurationLoader(environment: [:], flags: [("allowed_origins", bad)]).load()
                Issue.record("\(bad) was accepted as an origin")
            } catch {
                #expect(error.description.contains("allowed_origins") && error.description.contains(bad), "\(error)")
            }
        }
    }

    /// A misspelt variable (`WOK_ROUTER_MAX_FILTER`) left its setting at the default, unnoticed;
    /// `serve` now warns about each one, naming the setting it may have meant.
    @Test func misspeltEnvironmentVariablesAreNamedWithTheNearestSetting() throws {
        let loader = ConfigurationLoader(environment: [
            "WOK_ROUTER_MAX_FILTER": "5", "WOK_ROUTER_PORT": "9000", "WOK_ROUTER_URL": "http://127.0.0.1:1",
            "WOK_ROUTER_TOKEN": "t", "WOK_ROUTER_CONFIG": "", "WOK_ROUTER_SOMETHING_ELSE_ENTIRELY": "x", "PATH": "/bin",
        ])
        let unknown = loader.unknownEnvironmentVariables
        #expect(unknown.map(\.name) == ["WOK_ROUTER_MAX_FILTER", "WOK_ROUTER_SOMETHING_ELSE_ENTIRELY"])
        #expect(unknown.first?.suggestion == "WOK_ROUTER_MAX_FILTERS")
        #expect(unknown.last?.suggestion == nil)
    }

    @Test func printedConfigurationHidesTheSecret() throws {
        let c = try ConfigurationLoader(environment: ["WOK_ROUTER_AUTH_SECRET": "a-secret-of-thirty-two-bytes-or-more"]).load()
        let text = ConfigurationLoader.describe(c)
        #expect(!text.contains("a-secret-of-thirty-two-bytes-or-more"))
        #expect(text.contains("\"auth_secret\": \"(set)\""))
        #expect(text.contains("\"max_frame_bytes\": 65536"))
    }

    @Test func printedConfigurationHidesTheDatabasePassword() throws {
        let c = try ConfigurationLoader(environment: ["WOK_ROUTER_STORE": "postgres://wok:hunter2@db.example/wok"]).load()
        let text = ConfigurationLoader.describe(c)
        #expect(!text.contains("hunter2"))
        #expect(text.contains("postgres://wok:***@db.example/wok"))
    }
}
