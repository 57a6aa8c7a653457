import Foundation
import NIOCore
import NIOPosix
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

    @Test func pastMaxRefusalsRefusalsInProgressAConnectionIsClosedWithoutAnAnswer() async throws {
        // One connection allowed, one refusal at a time. A refusal holds its descriptor until the
        // client closes or linger_timeout runs out (here 30 s): without a bound on them, a flood of
        // connections past max_connections used up the process's descriptors.
        try await TestServer.with(configure: { $0.maxConnections = 1; $0.maxRefusals = 1; $0.lingerTimeout = 30 }) { server in
            try await server.push { first in
                try await first.send(["type": "ping"])
                _ = try await first.expectFrame()
                let refusal = Array(#"{"error":"limit_exceeded","message":"too many connections (max_connections)"}"#.utf8)
                // Open after the server's FIN (half-closed), so that the server keeps lingering.
                let held = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                    .connect(host: "127.0.0.1", port: server.port) { channel in
                        channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                    }
                try await held.executeThenClose { inbound, outbound in
                    // Answered 503 at once, then the server lingers: the refusal stays in progress
                    // while this client keeps its side open.
                    try await outbound.write(ByteBuffer(bytes: RawExchange.handshake()))
                    var received: [UInt8] = []
                    for try await chunk in inbound {
                        received += chunk.readableBytesView
                        if received.count >= refusal.count, received.suffix(refusal.count).elementsEqual(refusal) { break }
                    }
                    #expect(String(decoding: received, as: UTF8.self).hasPrefix("HTTP/1.1 503 "))
                    // (A reset, should the close cross the request, is no answer either.)
                    let dropped = (try? await RawExchange.send(RawExchange.handshake(), port: server.port)) ?? []
                    #expect(dropped.isEmpty, "closed without an answer, not: \(String(decoding: dropped, as: UTF8.self))")
                }
                // Once the held refusal's client closed, the next connection is refused with a 503 again.
                var answered = false
                while !answered {
                    let answer = (try? await RawExchange.send(RawExchange.handshake(), port: server.port)) ?? []
                    answered = String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 503 ")
                    if !answered { try await Task.sleep(for: .milliseconds(20)) }
                }
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
