import CoreMetrics
import Hummingbird
import NIOCore
import WokJSON
import WokRouterCore

/// `GET /topics`, `GET /topics/{topic}/schema`, `/healthz`, `/readyz`, `/metrics` and the static
/// files of `Public/`.
struct InfoRoutes: Sendable {
    let services: HTTPServices

    func topics() -> Response {
        JSONResponse.make(.ok, ["topics": .array(services.router.registry.topics.map(\.json))])
    }

    func schema(_ name: String) throws -> Response {
        let snapshot = services.router.registry.snapshot
        guard let entry = snapshot.topics[name], let schema = entry.schema, entry.validator != nil else {
            throw HTTPServices.unknownTopic(name, suggestions: snapshot.suggestions(for: name))
        }
        return JSONResponse.make(.ok, schema)
    }

    func health() -> Response {
        JSONResponse.make(.ok, ["status": "ok"])
    }

    func ready() async -> Response {
        let snapshot = services.router.registry.snapshot
        if snapshot.topics.isEmpty {
            return JSONResponse.error(.serviceUnavailable, "not_ready", "no schemas loaded")
        }
        do {
            _ = try await services.router.history(filters: [try TopicFilter("wok.>")], since: services.router.head, epoch: nil, limit: 1)
        } catch {
            return JSONResponse.error(.serviceUnavailable, "not_ready", "history store unreachable: \(error)")
        }
        return JSONResponse.make(.ok, ["status": "ready", "topics": .int(Int64(snapshot.topics.count)),
                                       "head": .int(Int64(services.router.head)), "epoch": .string(services.router.epoch)])
    }

    func metrics() -> Response {
        services.metrics.queueDepth.record(services.push.queueDepth)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: services.metrics.render())))
    }

    func staticFile(_ path: String) throws -> Response {
        guard let (bytes, type) = services.publicFiles.file(path) else {
            throw RouteError(.notFound, "not_found", "no such file: \(path)")
        }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
