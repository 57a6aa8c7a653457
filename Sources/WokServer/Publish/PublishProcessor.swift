import HTTPTypes
import NIOCore
import WokJSON
import WokRouterCore
import WokSchema

/// `POST /notifications` apart from its transport: turns the caller's grant and the request body
/// into the status and JSON body of the answer (202 for one notification, 207 for a batch, or an
/// error). Both transports use it: the event-loop fast path (``EventLoopPublishHandler``) and the
/// Hummingbird route (``PublishRoute``, for requests whose token must be verified).
struct PublishProcessor: Sendable {
    let router: WokRouterCore.Router
    /// `max_body_bytes`: larger bodies are refused with 413.
    let maxBodyBytes: Int

    /// The answer to a body over `max_body_bytes`.
    var tooLarge: RouteError { RouteError(.contentTooLarge, "too_large", "the body is over \(maxBodyBytes) bytes") }

    /// The refusal of a grant that may not publish at all, checked before the body is read.
    func refusal(of grant: AccessGrant) -> RouteError? {
        grant.mayPublish ? nil : RouteError(.forbidden, "forbidden", "this token may not publish (it needs \"pub\": true)")
    }

    /// Validates and publishes `body`, then calls `completion` once with the answer, from any
    /// thread, possibly before this returns (see `Router.publish(_:completion:)`).
    func respond(to body: ByteBufferView, grant: AccessGrant, completion: @escaping @Sendable (JSONReply) -> Void) {
        if let refused = refusal(of: grant) { return completion(refused.reply) }
        let json: JSON
        do {
            json = try JSON.parse(body)
        } catch {
            return completion(RouteError(.badRequest, "bad_request", "the body is not JSON: \(error.description)",
                                         extra: [("line", .int(Int64(error.line))), ("column", .int(Int64(error.column)))]).reply)
        }
        if json.isArray { return batch(json, grant: grant, completion: completion) }
        let item: (topic: String, data: JSON)
        do {
            item = try check(json)
        } catch {
            return completion(error.reply)
        }
        guard grant.mayPublish(to: item.topic) else {
            return completion(RouteError(.forbidden, "forbidden", "this token may not publish to \"\(item.topic)\"").reply)
        }
        router.publish([item]) { results in
            switch results[0] {
            case .success(let notification): completion(JSONReply(status: .accepted, body: Self.accepted(notification)))
            case .failure(let error): completion(Self.refusal(error).reply)
            }
        }
    }

    /// Checks one item against publish.json (when loaded) and the shape `{"topic": string, "data": any}`.
    private func check(_ json: JSON) throws(RouteError) -> (topic: String, data: JSON) {
        if let validator = router.registry.snapshot.protocolValidators["publish"] {
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

    /// A batch: 207 with one result per item, each with its own status.
    private func batch(_ json: JSON, grant: AccessGrant, completion: @escaping @Sendable (JSONReply) -> Void) {
        if json.count == 0 { return completion(RouteError(.badRequest, "bad_request", "an empty batch").reply) }
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
        let multiStatus = HTTPResponse.Status(code: 207, reasonPhrase: "Multi-Status")
        if items.isEmpty { return completion(JSONReply(status: multiStatus, body: .array(results.map { $0 ?? .null }))) }
        router.publish(items) { [results, indices] published in
            var results = results
            for (index, result) in zip(indices, published) {
                switch result {
                case .success(let n): results[index] = Self.accepted(n).setting("status", to: 202)
                case .failure(let e):
                    let refusal = Self.refusal(e)
                    results[index] = refusal.body.setting("status", to: .int(Int64(refusal.status.code)))
                }
            }
            completion(JSONReply(status: multiStatus, body: .array(results.map { $0 ?? .null })))
        }
    }

    private static func accepted(_ n: WokRouterCore.Notification) -> JSON {
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
