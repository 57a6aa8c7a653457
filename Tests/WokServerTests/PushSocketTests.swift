import Testing
import WokJSON
import WokServer

/// `/push` frames over real loopback sockets (PROTOCOL section 4).
@Suite(.timeLimit(.minutes(1)))
struct PushSocketTests {
    @Test func subscribeThenDeliverLiveNotificationsInIdOrder() async throws {
        try await TestServer.with { server in
            try await server.push { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog", "kimchi.*.state"], "ref": 1])
                let subscribed = try await ws.expectFrame()
                #expect(subscribed["type"]?.string == "subscribed")
                #expect(subscribed["ref"]?.int == 1)
                #expect(subscribed["topics"] == ["wok.userlog", "kimchi.*.state"])
                #expect(subscribed["recovered"]?.bool == true)
                let a = try await server.publish("wok.userlog", ["user": "ann"])
                let b = try await server.publish("kimchi.vms.state", ["vm": "x"])
                try await server.publish("kimchi.vms.created", ["vm": "y"])  // not subscribed
                let c = try await server.publish("wok.userlog", ["user": "cid"])
                let frames = try await ws.drain()
                #expect(frames.map { $0["id"]?.int } == [Int64(a), Int64(b), Int64(c)])
                #expect(frames.allSatisfy { $0["type"]?.string == "notification" })
                #expect(frames[1]["topic"]?.string == "kimchi.vms.state")
                #expect(frames[1]["plugin"]?.string == "kimchi")
                #expect(frames[0]["data"] == ["user": "ann"])
            }
        }
    }

    @Test func overlappingFiltersDeliverEachNotificationOnce() async throws {
        try await TestServer.with { server in
            try await server.push { ws in
                try await ws.send(["type": "subscribe", "topics": ["kimchi.>", "kimchi.vms.state", "kimchi.*.state"]])
                _ = try await ws.expectFrame()
                let id = try await server.publish("kimchi.vms.state", [:])
                let frames = try await ws.drain()
                #expect(frames.map { $0["id"]?.int } == [Int64(id)])
            }
        }
    }

    @Test func resumeSinceReplaysMissedThenLiveWithoutGapOrDuplicate() async throws {
        try await TestServer.with { server in
            var published: [UInt64] = []
            for i in 0..<5 { published.append(try await server.publish("wok.userlog", ["user": "u", "n": .int(Int64(i))])) }
            let ids = published
            let epoch = try await server.request("GET", "/notifications?topics=wok.userlog").json?["epoch"]?.string
            try await server.push { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog"], "since": .int(Int64(ids[1])), "epoch": .string(epoch!)])
                let subscribed = try await ws.expectFrame()
                #expect(subscribed["type"]?.string == "subscribed")
                #expect(subscribed["recovered"]?.bool == true)
                #expect(subscribed["head"]?.int == Int64(ids[4]))
                let live = try await server.publish("wok.userlog", ["user": "live"])
                let frames = try await ws.drain()
                #expect(frames.map { UInt64($0["id"]?.int ?? 0) } == Array(ids[2...]) + [live])
            }
        }
    }

    @Test func resumeInAnotherEpochIsNotRecoveredAndReplaysNothing() async throws {
        try await TestServer.with { server in
            try await server.publish("wok.userlog", ["user": "a"])
            try await server.push { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog"], "since": 0, "epoch": "not-this-one"])
                let subscribed = try await ws.expectFrame()
                #expect(subscribed["recovered"]?.bool == false)
                #expect(try await ws.drain().isEmpty)
            }
        }
    }

    @Test func pingAnswersPongWithRefAndUnsubscribeStopsDelivery() async throws {
        try await TestServer.with { server in
            try await server.push { ws in
                try await ws.send(["type": "ping", "ref": "p1"])
                let pong = try await ws.expectFrame()
                #expect(pong == ["type": "pong", "ref": "p1"])
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog"]])
                _ = try await ws.expectFrame()
                try await ws.send(["type": "unsubscribe", "topics": ["wok.userlog"], "ref": 9])
                let unsubscribed = try await ws.expectFrame()
                #expect(unsubscribed == ["type": "unsubscribed", "topics": ["wok.userlog"], "ref": 9])
                try await server.publish("wok.userlog", ["user": "gone"])
                #expect(try await ws.drain().isEmpty)
            }
        }
    }
}
