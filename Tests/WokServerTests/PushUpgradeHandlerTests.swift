import Foundation
import ServiceLifecycle
import Testing
import WokJSON
@testable import WokServer

/// `PushUpgradeHandler` on a real socket: hand-made requests in one write, so that whatever a
/// client sends after its handshake arrives in the same segment.
@Suite(.timeLimit(.minutes(1)))
struct PushUpgradeHandlerTests {
    /// Sends a handshake followed by `frames` in one write; returns the response head and the
    /// server frames once `count` of them have arrived.
    static func handshakeWithFrames(_ server: TestServer, query: String = "", key: String = "dGhlIHNhbXBsZSBub25jZQ==",
                                    frames: [String], count: Int) async throws -> (head: String, frames: [(opcode: UInt8, payload: [UInt8])]) {
        let bytes = RawExchange.handshake(query: query, key: key) + frames.flatMap(RawExchange.textFrame)
        let received = try await RawExchange.send(bytes, port: server.port) { received in
            guard let (_, rest) = RawExchange.splitHead(received) else { return false }
            return RawExchange.frames(rest).count >= count
        }
        guard let (head, rest) = RawExchange.splitHead(received) else { throw TestFailure("no response head: \(received)") }
        return (head, RawExchange.frames(rest))
    }

    @Test func framesInTheSameSegmentAsTheHandshakeAreRead() async throws {
        try await TestServer.with { server in
            let (head, frames) = try await Self.handshakeWithFrames(server, frames: [
                #"{"type":"subscribe","topics":["wok.userlog"],"ref":"s"}"#, #"{"type":"ping","ref":"p"}"#,
            ], count: 2)
            #expect(head.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
            #expect(head.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
            let replies = try frames.map { try JSON.parse(String(decoding: $0.payload, as: UTF8.self)) }
            #expect(replies.map { $0["type"]?.string } == ["subscribed", "pong"])
            #expect(replies.map { $0["ref"]?.string } == ["s", "p"])
        }
    }

    /// With a token to verify, admission runs in a task; bytes that came meanwhile wait for it.
    @Test func framesSentWhileTheTokenIsVerifiedAreRead() async throws {
        let token = try await Tokens.make(topics: ["wok.>"])
        try await TestServer.with(configure: { $0.authSecret = Tokens.secret }) { server in
            let (head, frames) = try await Self.handshakeWithFrames(server, query: "?token=\(token)", frames: [
                #"{"type":"subscribe","topics":["wok.userlog"],"ref":1}"#,
            ], count: 1)
            #expect(head.hasPrefix("HTTP/1.1 101 "))
            #expect(try JSON.parse(String(decoding: frames[0].payload, as: UTF8.self))["type"]?.string == "subscribed")
        }
    }

    @Test func refusedAdmissionIsUpgradedThenClosedWith1008() async throws {
        try await TestServer.with(configure: { $0.authSecret = Tokens.secret }) { server in
            let (head, frames) = try await Self.handshakeWithFrames(server, frames: [#"{"type":"ping"}"#], count: 1)
            #expect(head.hasPrefix("HTTP/1.1 101 "))
            #expect(frames.first?.opcode == 0x8)
            let payload = frames.first?.payload ?? []
            #expect(payload.count >= 2 && Int(payload[0]) << 8 | Int(payload[1]) == 1008)
        }
    }

    @Test(arguments: [
        ("Sec-WebSocket-Version: 8\r\n", "Sec-WebSocket-Version must be 13"),
        ("Sec-WebSocket-Key: c2hvcnQ=\r\n", "Sec-WebSocket-Key must be given once"),
    ])
    func malformedHandshakeIsAnswered400AndClosed(extra: String, reason: String) async throws {
        try await TestServer.with { server in
            // The extra line repeats a header the handshake already has: two values, refused.
            let received = try await RawExchange.send(RawExchange.handshake(extra: extra), port: server.port)
            let text = String(decoding: received, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            #expect(text.contains(#""error":"bad_request""#))
            #expect(text.contains(reason))
        }
    }

    @Test func handshakeToAnotherPathIsAnswered404AndClosed() async throws {
        try await TestServer.with { server in
            let received = try await RawExchange.send(RawExchange.handshake(path: "/healthz"), port: server.port)
            let text = String(decoding: received, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
            #expect(text.contains(#""error":"not_found""#))
        }
    }

    @Test func unparsableFirstRequestIsAnswered400AndClosed() async throws {
        try await TestServer.with { server in
            let received = try await RawExchange.send(Array("\u{16}\u{03}\u{01} GARBAGE\r\n\r\n".utf8), port: server.port)
            #expect(String(decoding: received, as: UTF8.self).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        }
    }

    @Test func plainRequestsOnOneConnectionStillReachTheHTTPAPI() async throws {
        try await TestServer.with { server in
            let request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            let received = try await RawExchange.send(Array((request + request).utf8), port: server.port) { received in
                String(decoding: received, as: UTF8.self).components(separatedBy: "HTTP/1.1 200 OK").count == 3
            }
            #expect(String(decoding: received, as: UTF8.self).components(separatedBy: "HTTP/1.1 200 OK").count == 3)
        }
    }
}

/// Graceful shutdown reaches connections that have not sent a request yet.
@Suite(.timeLimit(.minutes(1)))
struct ListenerShutdownTests {
    @Test func connectionWithoutARequestIsClosedOnGracefulShutdown() async throws {
        // The request timeout is past the suite's time limit: only the shutdown can close it in time.
        try await TestServer.with(configure: { $0.requestTimeout = 600 }) { server in
            let raw = try await RawTCP.connect(port: server.port)
            #expect(try await server.request("GET", "/healthz").status == 200)  // accepted and set up by now
            await server.group.triggerGracefulShutdown()
            try await raw.closed()
        }
    }
}
