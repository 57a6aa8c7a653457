import NIOWebSocket
import Testing
import WokJSON
import WokServer

/// Refused client frames get an `error` frame and the socket stays open; close codes where
/// PROTOCOL section 4 says so.
@Suite(.timeLimit(.minutes(1)))
struct PushErrorTests {
    @Test(arguments: [
        ("not json", "invalid_frame"),
        ("[1,2]", "invalid_frame"),
        (#"{"type":"subscribe"}"#, "invalid_frame"),
        (#"{"type":"dance"}"#, "invalid_frame"),
        (#"{"type":"subscribe","topics":"wok.userlog"}"#, "invalid_frame"),
        (#"{"type":"subscribe","topics":[]}"#, "invalid_frame"),
        (#"{"type":"subscribe","topics":[42]}"#, "invalid_frame"),
        (#"{"type":"subscribe","topics":["Wok.Userlog"]}"#, "invalid_frame"),
        (#"{"type":"subscribe","topics":["wok.#"]}"#, "invalid_frame"),
        (#"{"type":"subscribe","topics":["wok.userlog"],"since":-1}"#, "invalid_frame"),
        (#"{"type":"subscribe","topics":["wok.userlog"],"extra":1}"#, "invalid_frame"),
        (#"{"type":"ping","ref":{"a":1}}"#, "invalid_frame"),
        (#"{"type":"subscribe","topics":["wok.userlogg"]}"#, "unknown_topic"),
    ])
    func refusedFrameGetsErrorAndSocketStaysOpen(frame: String, code: String) async throws {
        try await TestServer.with { server in
            try await server.push { ws in
                try await ws.send(text: frame)
                let error = try await ws.expectFrame()
                #expect(error["type"]?.string == "error")
                #expect(error["code"]?.string == code)
                #expect(error["message"]?.string?.isEmpty == false)
                try await ws.send(["type": "ping", "ref": 1])
                #expect(try await ws.expectFrame() == ["type": "pong", "ref": 1])
            }
        }
    }

    @Test func unknownTopicSuggestsTheNearestAndEchoesRef() async throws {
        try await TestServer.with { server in
            try await server.push { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlogg"], "ref": "r"])
                let error = try await ws.expectFrame()
                #expect(error["code"]?.string == "unknown_topic")
                #expect(error["ref"]?.string == "r")
                #expect(error["details"]?["suggestions"]?[0]?.string == "wok.userlog")
            }
        }
    }

    @Test func binaryFrameIsInvalid() async throws {
        try await TestServer.with { server in
            try await server.push { ws in
                try await ws.send(binary: [1, 2, 3])
                let error = try await ws.expectFrame()
                #expect(error["code"]?.string == "invalid_frame")
            }
        }
    }

    @Test func filtersPastTheLimitAreRefused() async throws {
        try await TestServer.with(configure: { $0.maxFilters = 2 }) { server in
            try await server.push { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog", "kimchi.>"]])
                #expect(try await ws.expectFrame()["type"]?.string == "subscribed")
                try await ws.send(["type": "subscribe", "topics": ["kimchi.>"]])  // already held: fine
                #expect(try await ws.expectFrame()["type"]?.string == "subscribed")
                try await ws.send(["type": "subscribe", "topics": ["wok.notifications"]])
                let error = try await ws.expectFrame()
                #expect(error["code"]?.string == "limit_exceeded")
            }
        }
    }

    @Test func framesFasterThanTheRateAreRefused() async throws {
        try await TestServer.with(configure: { $0.clientFrameRate = 1; $0.clientFrameBurst = 3 }) { server in
            try await server.push { ws in
                for i in 0..<5 { try await ws.send(["type": "ping", "ref": .int(Int64(i))]) }
                var codes: [String] = []
                for _ in 0..<5 {
                    let frame = try await ws.expectFrame()
                    codes.append(frame["type"]?.string == "pong" ? "pong" : frame["code"]?.string ?? "?")
                }
                #expect(codes == ["pong", "pong", "pong", "limit_exceeded", "limit_exceeded"])
            }
        }
    }

    @Test func frameOverTheSizeLimitClosesWith1009() async throws {
        try await TestServer.with(configure: { $0.maxFrameBytes = 1024 }) { server in
            let code = try await server.push { ws in
                try await ws.send(text: #"{"type":"ping","ref":""# + String(repeating: "x", count: 2000) + #""}"#)
                while try await ws.next() != nil {}
            }
            #expect(code == .messageTooLarge)
        }
    }
}
