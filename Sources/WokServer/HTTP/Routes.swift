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
        router.get("/topics") { _, _ in info.topics() }
        router.get("/topics/{topic}/schema") { _, context in try info.schema(try context.parameters.require("topic")) }
        router.get("/healthz") { _, _ in info.health() }
        router.get("/readyz") { _, _ in await info.ready() }
        router.get("/metrics") { _, _ in info.metrics() }
        router.get("/push") { _, _ -> Response in
            JSONResponse.error(.upgradeRequired, "upgrade_required", "/push is a WebSocket: send an Upgrade request")
        }
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/demo/userlog.html"]) }
        router.get("/**") { request, _ in try info.staticFile(request.uri.path) }
        return router
    }
}
