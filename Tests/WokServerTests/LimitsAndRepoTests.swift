import Foundation
import NIOCore
import Testing
import WokJSON
import WokServer

/// Timeouts against partial requests and silent sockets, and the repository's own schema tree
/// (client frames checked against `schemas/protocol/client-frame.json`, the demo pages served).
@Suite(.timeLimit(.minutes(1)))
struct LimitsAndRepoTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func partialRequestHeadIsClosedAfterTheRequestTimeout() async throws {
        // 1 s, not less: the follow-up request below must itself arrive within the timeout,
        // and on a loaded machine a few hundred milliseconds can pass between connect and write.
        try await TestServer.with(configure: { $0.requestTimeout = 1.0 }) { server in
            let raw = try await RawTCP.connect(port: server.port)
            try await raw.write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            try await raw.closed()
            #expect(try await server.request("GET", "/healthz").status == 200)
        }
    }

    @Test func requestTimeoutRestartsAtEachRequestHead() async throws {
        // The clock of the connection's first request must not close the connection while a
        // later request, begun in time, is still within its own timeout (the handler keeps one
        // timer and re-arms it when it fires early).
        try await TestServer.with(configure: { $0.requestTimeout = 2.0 }) { server in
            let raw = try await RawTCP.connect(port: server.port)
            try await raw.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            try await Task.sleep(for: .milliseconds(1200))
            // Head complete, body partial: this request's clock runs from here.
            try await raw.write("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
            try await Task.sleep(for: .milliseconds(1200))  // past the first clock's deadline
            #expect(raw.channel.isActive, "closed by the first request's clock")
            try await raw.closed()  // by the second request's clock
        }
    }

    @Test func pushSocketThatStopsAnsweringPingsIsClosed() async throws {
        try await TestServer.with(configure: { $0.pingInterval = 0.1; $0.pingTimeout = 0.4 }) { server in
            let raw = try await RawTCP.connect(port: server.port)
            try await raw.write("GET /push HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            try await raw.closed()
        }
    }

    @Test func clientFramesAreCheckedAgainstTheRepositorySchema() async throws {
        try await TestServer.with(root: Self.repoRoot) { server in
            try await server.push { ws in
                try await ws.send(["type": "ping", "ref": .string(String(repeating: "r", count: 200))])
                let error = try await ws.expectFrame()
                #expect(error["code"]?.string == "invalid_frame")
                #expect(error["details"]?[0]?["instanceLocation"] != nil)
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog"]])
                #expect(try await ws.expectFrame()["type"]?.string == "subscribed")
            }
        }
    }

    /// (At the default 64 KiB frame bound such a frame is closed with 1009 before it is read.)
    @Test func tenThousandFiltersAreALimitNotAnInvalidFrame() async throws {
        try await TestServer.with(root: Self.repoRoot, configure: { $0.maxFrameBytes = 1 << 20 }) { server in
            try await server.push { ws in
                let filters = (0..<10_000).map { JSON.string("kimchi.vm\($0).state") }
                try await ws.send(["type": "subscribe", "topics": .array(filters), "ref": 1])
                let error = try await ws.expectFrame()
                #expect(error["code"]?.string == "limit_exceeded")
                #expect(error["ref"]?.int == 1)
            }
        }
    }

    @Test func browserClientAndDemoPagesAreServed() async throws {
        try await TestServer.with(root: Self.repoRoot) { server in
            for path in ["/wok-push.js", "/wok-push-worker.js", "/demo/userlog.html"] {
                let answer = try await server.request("GET", path)
                #expect(answer.status == 200, "\(path)")
                #expect(!answer.text.isEmpty)
            }
            #expect(try await server.request("GET", "/demo/../Package.swift").status == 404)
        }
    }
}
