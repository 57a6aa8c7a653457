import HTTPTypes
import Hummingbird
import NIOCore

/// The HTTP API of PROTOCOL section 5 on one listener.
enum Routes {
    /// - Parameter trusted: the listener is the UNIX socket (publishing needs no token).
    static func make(_ services: HTTPServices, trusted: Bool) -> Hummingbird.Router<WokRequestContext> {
        let router = Hummingbird.Router(context: WokRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        let publish = PublishRoute(services: services, trusted: trusted)
        let history = HistoryRoute(services: services, trusted: trusted)
        let events = EventsRoute(services: services, trusted: trusted)
        let info = InfoRoutes(services: services)

        router.post("/notifications") { request, _ in try await publish.handle(request) }
        router.get("/notifications") { request, context in try await history.handle(request, channel: context.channel) }
        router.get("/events") { request, context in try await events.handle(request, channel: context.channel) }
        // GET and HEAD (RFC 9110 section 9.3.2: every general-purpose server supports HEAD) for the
        // plain resources; NIO's response encoder, paired with the request decoder, leaves the body
        // out of an answer to HEAD. (Not for /notifications and /events: a HEAD must not wait or
        // open a stream.)
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/topics", method: method) { _, _ in info.topics() }
            router.on("/topics/{topic}/schema", method: method) { _, context in try info.schema(try context.parameters.require("topic")) }
            router.on("/healthz", method: method) { _, _ in info.health() }
            router.on("/readyz", method: method) { _, _ in await info.ready() }
            router.on("/metrics", method: method) { _, _ in info.metrics() }
            router.on("/", method: method) { _, _ in Response(status: .seeOther, headers: [.location: "/demo/userlog.html"]) }
            router.on("/**", method: method) { request, _ in try info.staticFile(request.uri.path) }
            router.on("/push", method: method) { _, _ -> Response in
                JSONResponse.error(.upgradeRequired, "upgrade_required", "/push is a WebSocket: send an Upgrade request")
            }
        }
        // Another method on a path that exists: 405 naming the allowed ones (RFC 9110 section
        // 15.5.6), not a 404 that says the resource is not there.
        let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete, .patch, .options]
        let resources: [(String, [HTTPRequest.Method])] = [
            ("/notifications", [.get, .post]), ("/events", [.get]), ("/topics", [.get, .head]),
            ("/topics/{topic}/schema", [.get, .head]), ("/healthz", [.get, .head]), ("/readyz", [.get, .head]),
            ("/metrics", [.get, .head]), ("/push", [.get, .head]),
        ]
        for (path, allowed) in resources {
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            for method in methods where !allowed.contains(method) {
                router.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw RouteError(.methodNotAllowed, "method_not_allowed", "\(request.method) is not allowed on \(request.uri.path): \(allow)",
                                     headers: [.allow: allow])
                }
            }
        }
        return router
    }
}
