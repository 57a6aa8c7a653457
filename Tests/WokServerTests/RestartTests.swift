import Foundation
import Testing
import WokJSON
import WokServer

/// Resume across a router restart on the SQLite store: same epoch, no gap, no duplicate.
@Suite(.timeLimit(.minutes(1)))
struct RestartTests {
    @Test func resumeAcrossARestartOnSQLiteReplaysExactlyWhatWasMissed() async throws {
        let root = try Fixtures.makeRoot()
        let store = "sqlite:\(root)/history.sqlite"
        let configure: @Sendable (inout WokServerConfiguration) -> Void = { $0.store = store }
        let first = try await TestServer.with(root: root, configure: configure) { server in
            try await server.push { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog"]])
                _ = try await ws.expectFrame()
                try await server.publish("wok.userlog", ["user": "a"])
                try await server.publish("wok.userlog", ["user": "b"])
                _ = try await ws.drain()
            }
            let seen = try #require(try await server.request("GET", "/notifications?topics=wok.userlog").json)
            let missed = try await server.publish("wok.userlog", ["user": "missed while away"])
            return (epoch: seen["epoch"]!.string!, lastSeen: UInt64(seen["head"]!.int!), missed: missed)
        }
        try await TestServer.with(root: root, configure: configure) { server in
            let afterRestart = try await server.publish("wok.userlog", ["user": "after restart"])
            #expect(afterRestart > first.missed)
            try await server.push { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog"], "since": .int(Int64(first.lastSeen)),
                                   "epoch": .string(first.epoch)])
                let subscribed = try await ws.expectFrame()
                #expect(subscribed["epoch"]?.string == first.epoch)
                #expect(subscribed["recovered"]?.bool == true)
                let live = try await server.publish("wok.userlog", ["user": "live"])
                let frames = try await ws.drain()
                #expect(frames.map { UInt64($0["id"]?.int ?? 0) } == [first.missed, afterRestart, live])
            }
        }
    }

    @Test func memoryStoreRestartChangesTheEpochSoResumeIsNotRecovered() async throws {
        let root = try Fixtures.makeRoot()
        let epoch = try await TestServer.with(root: root) { server in
            try await server.publish("wok.userlog", ["user": "a"])
            return try #require(try await server.request("GET", "/notifications?topics=wok.userlog").json?["epoch"]?.string)
        }
        try await TestServer.with(root: root) { server in
            try await server.push { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog"], "since": 1, "epoch": .string(epoch)])
                let subscribed = try await ws.expectFrame()
                #expect(subscribed["recovered"]?.bool == false)
                #expect(subscribed["epoch"]?.string != epoch)
            }
        }
    }
}
