import Foundation
import Testing
import WokJSON
import WokServer

/// The HTTP API (PROTOCOL section 5) over real sockets.
@Suite(.timeLimit(.minutes(1)))
struct HTTPAPITests {
    @Test func publishAnswers202WithIdTopicAndEpoch() async throws {
        try await TestServer.with { server in
            let answer = try await server.request("POST", "/notifications", body: #"{"topic":"wok.userlog","data":{"user":"ann"}}"#)
            #expect(answer.status == 202)
            let json = try #require(answer.json)
            #expect(json.keys.sorted() == ["epoch", "id", "topic"])
            #expect(json["topic"]?.string == "wok.userlog")
            let again = try await server.request("POST", "/notifications", body: #"{"topic":"wok.userlog","data":{"user":"bob"}}"#)
            #expect(again.json?["id"]?.int == (json["id"]?.int ?? 0) + 1)
        }
    }

    @Test(arguments: [
        ("not json", 400, "bad_request"),
        (#"{"topic":"wok.userlog"}"#, 400, "bad_request"),
        (#"{"data":{}}"#, 400, "bad_request"),
        (#"{"topic":5,"data":{}}"#, 400, "bad_request"),
        (#"{"topic":"wok.userlog","data":{},"x":1}"#, 400, "bad_request"),
        ("[]", 400, "bad_request"),
        (#"{"topic":"wok.userlogs","data":{}}"#, 404, "unknown_topic"),
        (#"{"topic":"NOT A TOPIC","data":{}}"#, 404, "unknown_topic"),
    ])
    func refusedPublishAnswersJSONError(body: String, status: Int, code: String) async throws {
        try await TestServer.with { server in
            let answer = try await server.request("POST", "/notifications", body: body)
            #expect(answer.status == status)
            #expect(answer.json?["error"]?.string == code)
        }
    }

    @Test func unknownTopicSuggestsNearest() async throws {
        try await TestServer.with { server in
            let answer = try await server.request("POST", "/notifications", body: #"{"topic":"wok.userlogs","data":{}}"#)
            #expect(answer.json?["suggestions"]?[0]?.string == "wok.userlog")
        }
    }

    @Test(.enabled(if: Fixtures.validatorWorks, "WokSchema's validator reports no errors yet"))
    func schemaInvalidDataAnswers422WithLocationsUnderData() async throws {
        try await TestServer.with { server in
            let answer = try await server.request("POST", "/notifications", body: #"{"topic":"wok.userlog","data":{"user":5}}"#)
            #expect(answer.status == 422)
            let json = try #require(answer.json)
            #expect(json["error"]?.string == "invalid")
            let first = try #require(json["errors"]?[0])
            #expect(first["instanceLocation"]?.string == "/data/user")
            #expect(first["keywordLocation"]?.string?.contains("type") == true)
        }
    }

    @Test func bodyOverTheLimitAnswers413() async throws {
        try await TestServer.with(configure: { $0.maxBodyBytes = 1000 }) { server in
            let pad = String(repeating: "x", count: 2000)
            let answer = try await server.request("POST", "/notifications", body: #"{"topic":"wok.userlog","data":{"user":"\#(pad)"}}"#)
            #expect(answer.status == 413)
            #expect(answer.json?["error"]?.string == "too_large")
        }
    }

    @Test func batchAnswers207WithOneResultPerItemInOrder() async throws {
        try await TestServer.with { server in
            let body = #"[{"topic":"wok.userlog","data":{"user":"a"}},{"topic":"nope.nope","data":{}},{"bad":1},{"topic":"kimchi.vms.state","data":{}}]"#
            let answer = try await server.request("POST", "/notifications", body: body)
            #expect(answer.status == 207)
            let results = try #require(answer.json)
            #expect(results.count == 4)
            #expect(results[0]?["status"]?.int == 202)
            #expect(results[1]?["status"]?.int == 404)
            #expect(results[1]?["error"]?.string == "unknown_topic")
            #expect(results[2]?["status"]?.int == 400)
            #expect(results[3]?["status"]?.int == 202)
            #expect((results[3]?["id"]?.int ?? 0) > (results[0]?["id"]?.int ?? 0))
        }
    }

    @Test func historyPagesSinceAndLimit() async throws {
        try await TestServer.with { server in
            var published: [UInt64] = []
            for _ in 0..<4 { published.append(try await server.publish("wok.userlog", ["user": "u"])) }
            let ids = published
            try await server.publish("kimchi.vms.state", [:])
            let page = try #require(try await server.request("GET", "/notifications?topics=wok.userlog&since=\(ids[0])&limit=2").json)
            #expect(page["notifications"]?.elements.map { UInt64($0["id"]?.int ?? 0) } == [ids[1], ids[2]])
            #expect(page["recovered"]?.bool == true)
            #expect(page["head"]?.int == Int64(ids[3]) + 1)
            #expect(page["notifications"]?[0]?["type"]?.string == "notification")
        }
    }

    @Test func historyRefusesUnknownTopicsAndMissingFilters() async throws {
        try await TestServer.with { server in
            let unknown = try await server.request("GET", "/notifications?topics=wok.nothing")
            #expect(unknown.status == 404)
            #expect(unknown.json?["error"]?.string == "unknown_topic")
            let missing = try await server.request("GET", "/notifications")
            #expect(missing.status == 400)
            #expect(missing.json?["error"] != nil)
        }
    }

    @Test func topicsListAndSchema() async throws {
        try await TestServer.with { server in
            let topics = try #require(try await server.request("GET", "/topics").json?["topics"])
            let names = topics.elements.compactMap { $0["topic"]?.string }
            #expect(names.contains("wok.userlog") && names.contains("kimchi.vms.state"))
            #expect(topics.elements.allSatisfy { $0["status"]?.string == "ok" && $0["plugin"] != nil })
            let schema = try await server.request("GET", "/topics/wok.userlog/schema")
            #expect(schema.status == 200)
            #expect(schema.json?["required"] == ["user"])
            let unknown = try await server.request("GET", "/topics/wok.nothing/schema")
            #expect(unknown.status == 404)
            #expect(unknown.json?["error"]?.string == "unknown_topic")
        }
    }

    @Test func healthReadinessMetricsAndNotFound() async throws {
        try await TestServer.with { server in
            #expect(try await server.request("GET", "/healthz").status == 200)
            #expect(try await server.request("GET", "/readyz").status == 200)
            try await server.publish("wok.userlog", ["user": "m"])
            let metrics = try await server.request("GET", "/metrics")
            #expect(metrics.status == 200)
            for name in ["wok_router_connections", "wok_router_published_total", "wok_router_delivered_total"] {
                #expect(metrics.text.contains(name), "\(name) missing")
            }
            let missing = try await server.request("GET", "/no/such/thing")
            #expect(missing.status == 404)
            #expect(missing.json?["error"]?.string == "not_found")
        }
    }

    @Test func publishersNeedAPublishTokenOverTCPButNotOverTheUnixSocket() async throws {
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("wok-\(UUID().uuidString.prefix(8)).sock").path
        let subscriberToken = try await Tokens.make(topics: ["wok.>"])
        let narrowPublisher = try await Tokens.make(topics: ["kimchi.>"], pub: true)
        let publisher = try await Tokens.make(pub: true)
        try await TestServer.with(configure: { $0.authSecret = Tokens.secret; $0.unixSocket = socket }) { server in
            let body = #"{"topic":"wok.userlog","data":{"user":"x"}}"#
            #expect(try await server.request("POST", "/notifications", body: body).status == 401)
            #expect(try await server.request("POST", "/notifications", body: body,
                                             headers: [("Authorization", "Bearer \(subscriberToken)")]).status == 403)
            #expect(try await server.request("POST", "/notifications", body: body,
                                             headers: [("Authorization", "Bearer \(narrowPublisher)")]).status == 403)
            #expect(try await server.request("POST", "/notifications", body: body,
                                             headers: [("Authorization", "Bearer \(publisher)")]).status == 202)
            let overSocket = try await server.request("POST", "/notifications", body: body, overUnixSocket: true)
            #expect(overSocket.status == 202)
            #expect(try await server.request("GET", "/notifications?topics=wok.userlog").status == 401)
            #expect(try await server.request("GET", "/notifications?topics=wok.userlog&token=\(subscriberToken)").status == 200)
            #expect(try await server.request("GET", "/notifications?topics=kimchi.%3E&token=\(subscriberToken)").status == 403)
        }
    }
}
