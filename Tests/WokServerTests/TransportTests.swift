import Foundation
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Testing
import WokJSON
import WokServer

/// SSE and long-poll carry the same stream as `/push`; shutdown closes sockets with 1001; a
/// client that stops reading is closed with 1013 without slowing the others.
@Suite(.timeLimit(.minutes(2)))
struct TransportTests {
    @Test func sseLongPollAndPushDeliverTheSameStream() async throws {
        try await TestServer.with { server in
            let sse = try await StreamingHTTPClient.get(port: server.port, path: "/events?topics=wok.userlog,kimchi.*.state")
            #expect(sse.status == 200)
            var parser = SSEParser()
            var sseIterator = sse.body.makeAsyncIterator()
            // Wait for the subscribed event before publishing.
            var subscribed = false
            while !subscribed, let chunk = await sseIterator.next() {
                subscribed = parser.feed(chunk).contains { $0.event == "subscribed" }
            }
            #expect(subscribed)
            let start = try #require(try await server.request("GET", "/notifications?topics=wok.userlog").json?["head"]?.int)

            let published = Box<[UInt64]>([])
            try await server.push { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog", "kimchi.*.state"]])
                _ = try await ws.expectFrame()
                for i in 0..<6 {
                    let topic = i % 2 == 0 ? "wok.userlog" : "kimchi.vms.state"
                    published.value.append(try await server.publish(topic, ["user": "u", "n": .int(Int64(i))]))
                }
                try await server.publish("kimchi.vms.created", [:])
                let viaPush = try await ws.drain().map { UInt64($0["id"]?.int ?? 0) }
                #expect(viaPush == published.value)
            }
            let expected = published.value
            #expect(expected.count == 6)

            var viaSSE: [UInt64] = []
            while viaSSE.count < expected.count, let chunk = await sseIterator.next() {
                for event in parser.feed(chunk) where event.event == nil {
                    let frame = try JSON.parse(event.data)
                    #expect(event.id == "\(frame["epoch"]?.string ?? ""):\(frame["id"]?.int ?? 0)", "the event id is epoch:id")
                    viaSSE.append(UInt64(frame["id"]?.int ?? 0))
                }
            }
            #expect(viaSSE == expected)

            var viaPoll: [UInt64] = []
            var since = UInt64(start)
            while viaPoll.count < expected.count {
                let page = try #require(try await server.request(
                    "GET", "/notifications?topics=wok.userlog,kimchi.*.state&since=\(since)&limit=4&wait=5").json)
                let ids = page["notifications"]!.elements.map { UInt64($0["id"]?.int ?? 0) }
                if ids.isEmpty { break }
                viaPoll += ids
                since = ids.last!
            }
            #expect(viaPoll == expected)
            try await sse.channel.close()
        }
    }

    @Test func longPollWaitsUntilSomethingArrives() async throws {
        try await TestServer.with { server in
            let head = try #require(try await server.request("GET", "/notifications?topics=wok.userlog").json?["head"]?.int)
            async let poll = server.request("GET", "/notifications?topics=wok.userlog&since=\(head)&wait=20")
            try await Task.sleep(for: .milliseconds(300))
            let id = try await server.publish("wok.userlog", ["user": "late"])
            let page = try #require(try await poll.json)
            #expect(page["notifications"]?.elements.map { UInt64($0["id"]?.int ?? 0) } == [id])
        }
    }

    @Test func sseResumesAfterLastEventID() async throws {
        try await TestServer.with { server in
            var published: [UInt64] = []
            for _ in 0..<3 { published.append(try await server.publish("wok.userlog", ["user": "u"])) }
            let ids = published
            let sse = try await StreamingHTTPClient.get(port: server.port, path: "/events?topics=wok.userlog",
                                                        headers: [("Last-Event-ID", String(ids[0]))])
            var parser = SSEParser()
            var got: [UInt64] = []
            for await chunk in sse.body {
                got += parser.feed(chunk).filter { $0.event == nil }.compactMap { $0.id?.split(separator: ":").last.flatMap { UInt64($0) } }
                if got.count >= 2 { break }
            }
            #expect(got == [ids[1], ids[2]])
            try await sse.channel.close()
        }
    }

    @Test func gracefulShutdownClosesPushSocketsWith1001() async throws {
        try await TestServer.with { server in
            let code = try await server.push { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog"]])
                _ = try await ws.expectFrame()
                await server.group.triggerGracefulShutdown()
                while try await ws.next() != nil {}
            }
            #expect(code == .goingAway)
        }
    }

    @Test func clientThatStopsReadingIsClosedWith1013AndOthersGetEverything() async throws {
        try await TestServer.with(configure: {
            $0.outboundQueueFrames = 200
            $0.maxBodyBytes = 8 << 20
        }) { server in
            let pad = String(repeating: "p", count: 8000)
            let batches = 25, perBatch = 80
            let item = #"{"topic":"wok.userlog","data":{"user":"u","pad":"\#(pad)"}}"#
            let batch = "[" + Array(repeating: item, count: perBatch).joined(separator: ",") + "]"
            let total = batches * perBatch
            let healthyCount = Box(0)
            let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
            async let healthy = server.push(maxFrame: 1 << 20) { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog"]])
                _ = try await ws.expectFrame()
                readyContinuation.yield()
                while healthyCount.value < total, let frame = try await ws.next() {
                    if frame["type"]?.string == "notification" { healthyCount.value += 1 }
                }
            }
            var readyIterator = ready.makeAsyncIterator()
            _ = await readyIterator.next()
            let slowCode = try await server.push(maxFrame: 1 << 20) { ws in
                try await ws.send(["type": "subscribe", "topics": ["wok.userlog"]])
                _ = try await ws.expectFrame()
                // Stop reading: publish everything first.
                for b in 1...batches {
                    let answer = try await server.request("POST", "/notifications", body: batch)
                    #expect(answer.status == 207)
                    // Pace on the healthy client: it must keep receiving while this one is stuck.
                    while healthyCount.value < b * perBatch { try await Task.sleep(for: .milliseconds(5)) }
                }
                var received = 0
                while let frame = try await ws.next() { if frame["type"]?.string == "notification" { received += 1 } }
                #expect(received < total)
            }
            _ = try await healthy
            #expect(healthyCount.value == total)
            #expect(slowCode == .unknown(1013))
        }
    }
}

/// A mutable cell shared with a test closure (reads and writes happen in one task at a time).
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
