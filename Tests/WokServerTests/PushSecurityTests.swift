import Foundation
import NIOWebSocket
import Testing
import WokJSON
import WokServer

/// Tokens and origins on `/push` (PROTOCOL section 6).
@Suite(.timeLimit(.minutes(1)))
struct PushSecurityTests {
    @Test func missingTokenClosesWith1008() async throws {
        try await TestServer.with(configure: { $0.authSecret = Tokens.secret }) { server in
            let code = try await server.push { ws in while try await ws.next() != nil {} }
            #expect(code == .policyViolation)
        }
    }

    @Test(arguments: ["expired", "wrong-secret", "garbage"])
    func refusedTokenClosesWith1008(kind: String) async throws {
        let token: String
        switch kind {
        case "expired": token = try await Tokens.make(topics: ["wok.>"], expiresIn: -60)
        case "wrong-secret": token = try await Tokens.make(topics: ["wok.>"], secret: "another-secret-that-is-32-bytes-long")
        default: token = "not.a.jwt"
        }
        try await TestServer.with(configure: { $0.authSecret = Tokens.secret }) { server in
            let code = try await server.push(query: "?token=\(token)") { ws in while try await ws.next() != nil {} }
            #expect(code == .policyViolation)
        }
    }

    @Test func topicsClaimIsEnforcedOnEverySubscribe() async throws {
        let token = try await Tokens.make(topics: ["wok.userlog", "kimchi.vms.*"])
        try await TestServer.with(configure: { $0.authSecret = Tokens.secret }) { server in
            try await server.push(headers: [("Authorization", "Bearer \(token)")]) { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog", "kimchi.vms.state"]])
                #expect(try await ws.expectFrame()["type"]?.string == "subscribed")
                try await ws.send(["type": "subscribe", "topics": ["kimchi.>"]])
                let error = try await ws.expectFrame()
                #expect(error["code"]?.string == "forbidden")
                #expect(error["details"]?["topics"] == ["kimchi.>"])
                try await ws.send(["type": "subscribe", "topics": ["wok.notifications"]])
                #expect(try await ws.expectFrame()["code"]?.string == "forbidden")
            }
        }
    }

    @Test func originOutsideTheAllowlistClosesWith1008() async throws {
        // The test client always sends its own Origin (ws://127.0.0.1); the refused case adds another.
        try await TestServer.with(configure: { $0.allowedOrigins = ["ws://127.0.0.1"] }) { server in
            let refused = try await server.push(headers: [("Origin", "https://evil.example")]) { ws in
                while try await ws.next() != nil {}
            }
            #expect(refused == .policyViolation)
            try await server.push { ws in
                try await ws.send(["type": "ping"])
                #expect(try await ws.expectFrame()["type"]?.string == "pong")
            }
        }
    }

    @Test func tcpConnectionsPastTheLimitAreAnswered503AtOnce() async throws {
        try await TestServer.with(configure: { $0.maxConnections = 1 }) { server in
            try await server.push { first in
                try await first.send(["type": "ping"])
                _ = try await first.expectFrame()
                let answer = try await RawExchange.send(RawExchange.handshake(), port: server.port)
                let text = String(decoding: answer, as: UTF8.self)
                #expect(text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
                #expect(text.hasSuffix(#"{"error":"limit_exceeded","message":"too many connections (max_connections)"}"#))
            }
        }
    }

    @Test func pushSocketsPastTheLimitAreClosedTryAgainLater() async throws {
        // The UNIX socket's connections are not counted at accept: its push socket is upgraded, then
        // closed 1013 because the push, SSE and long-poll slots (one, held over TCP) are full.
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("wok-\(UUID().uuidString.prefix(8)).sock").path
        try await TestServer.with(configure: { $0.maxConnections = 1; $0.unixSocket = socket }) { server in
            try await server.push { first in
                try await first.send(["type": "ping"])
                _ = try await first.expectFrame()
                try await UnixPushSession.with(path: socket) { ws in
                    #expect(try await ws.handshake().hasPrefix("HTTP/1.1 101"))
                    guard case .close(let code) = try await ws.next() else {
                        Issue.record("a frame other than close came")
                        return
                    }
                    #expect(code == 1013)
                }
            }
        }
    }
}
