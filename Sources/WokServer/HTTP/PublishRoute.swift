import Hummingbird
import NIOCore
import WokJSON
import WokRouterCore
import WokSchema

/// `POST /notifications`: one notification (202 once stored) or a batch (207, one result per item).
struct PublishRoute: Sendable {
    let services: HTTPServices
    let trusted: Bool

    func handle(_ request: Request) async throws -> Response {
        let grant = try await services.grant(request, trusted: trusted)
        guard grant.mayPublish else {
            throw RouteError(.forbidden, "forbidden", "this token may not publish (it needs \"pub\": true)")
        }
        let body = try await readBody(request)
        let json: JSON
        do {
            json = try JSON.parse(body.readableBytesView)
        } catch {
            throw RouteError(.badRequest, "bad_request", "the body is not JSON: \(error.description)",
                             extra: [("line", .int(Int64(error.line))), ("column", .int(Int64(error.column)))])
        }
        if json.isArray {
            return try await batch(json, grant: grant)
        }
        let item = try check(json)
        guard grant.mayPublish(to: item.topic) else {
            throw RouteError(.forbidden, "forbidden", "this token may not publish to \"\(item.topic)\"")
        }
        do {
            let n = try await services.router.publish(topic: item.topic, data: item.data)
            return JSONResponse.make(.accepted, accepted(n))
        } catch {
            return Self.refusal(error).response
        }
    }

    /// Reads the body, refusing more than `max_body_bytes` with 413.
    private func readBody(_ request: Request) async throws -> ByteBuffer {
        let max = services.configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > max {
            throw RouteError(.contentTooLarge, "too_large", "the body is over \(max) bytes")
        }
        do {
            return try await request.body.collect(upTo: max)
        } catch is NIOTooManyBytesError {
            throw RouteError(.contentTooLarge, "too_large", "the body is over \(max) bytes")
        }
    }

    /// Checks one item against publish.json (when loaded) and the shape `{"topic": string, "data": any}`.
    private func check(_ json: JSON) throws(RouteError) -> (topic: String, data: JSON) {
        if let validator = services.router.registry.snapshot.protocolValidators["publish"] {
            let errors = validator.validate(json)
            if !errors.isEmpty {
                throw RouteError(.badRequest, "bad_request", "the body does not match publish.json: \(errors[0].message)",
                                 extra: [("errors", ClientFrame.describe(errors))])
            }
        }
        guard json.isObject else { throw RouteError(.badRequest, "bad_request", "a notification is an object {\"topic\", \"data\"}") }
        guard let topic = json["topic"]?.string else { throw RouteError(.badRequest, "bad_request", "\"topic\" (a string) is required") }
        guard let data = json["data"] else { throw RouteError(.badRequest, "bad_request", "\"data\" is required") }
        for key in json.keys where key != "topic" && key != "data" {
            throw RouteError(.badRequest, "bad_request", "unexpected field \"\(key)\"")
        }
        return (topic, data)
    }

    private func batch(_ json: JSON, grant: AccessGrant) async throws -> Response {
        if json.count == 0 { throw RouteError(.badRequest, "bad_request", "an empty batch") }
        var results = [JSON?](repeating: nil, count: json.count)
        var items: [(topic: String, data: JSON)] = []
        var indices: [Int] = []
        for (index, element) in json.elements.enumerated() {
            do {
                let item = try check(element)
                if grant.mayPublish(to: item.topic) {
                    items.append(item)
                    indices.append(index)
                } else {
                    results[index] = ["status": 403, "error": "forbidden", "message": .string("this token may not publish to \"\(item.topic)\"")]
                }
            } catch {
                results[index] = error.body.setting("status", to: 400)
            }
        }
        if !items.isEmpty {
            for (index, result) in zip(indices, await services.router.publish(items)) {
                switch result {
                case .success(let n): results[index] = accepted(n).setting("status", to: 202)
                case .failure(let e):
                    let refusal = Self.refusal(e)
                    results[index] = refusal.body.setting("status", to: .int(Int64(refusal.status.code)))
                }
            }
        }
        return JSONResponse.make(HTTPResponse.Status(code: 207, reasonPhrase: "Multi-Status"), .array(results.map { $0 ?? .null }))
    }

    private func accepted(_ n: WokRouterCore.Notification) -> JSON {
        ["id": .int(Int64(n.id)), "topic": .string(n.topic.name), "epoch": .string(n.epoch)]
    }

    /// The status and error body of a refused publish.
    static func refusal(_ error: RouterError) -> RouteError {
        switch error.code {
        case .unknownTopic:
            return RouteError(.notFound, "unknown_topic", error.message,
                              extra: [("suggestions", .array(error.suggestions.map { .string($0) }))])
        case .invalid:
            let errors: [JSON] = error.validationErrors.map {
                ["instanceLocation": .string("/data" + $0.instanceLocation), "keywordLocation": .string($0.keywordLocation),
                 "message": .string($0.message)]
            }
            return RouteError(.unprocessableContent, "invalid", error.message, extra: [("errors", .array(errors))])
        default:
            return RouteError(.serviceUnavailable, error.code.rawValue, error.message)
        }
    }
}
