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
