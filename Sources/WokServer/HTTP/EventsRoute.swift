import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WokJSON
import WokRouterCore

/// `GET /events?topics=...`: the push stream as Server-Sent Events. Each notification is an event
/// whose `id:` is its epoch and id (``SSEEventID``), so `Last-Event-ID` (or `since=`) resumes; the first event
/// is `event: subscribed` with the `subscribed` frame; comments keep the stream alive.
struct EventsRoute: Sendable {
    let services: HTTPServices
    let trusted: Bool

    func handle(_ request: Request, channel: any Channel) async throws -> Response {
        let configuration = services.configuration
        if !configuration.allowedOrigins.isEmpty, let origin = request.headers[.origin], !configuration.allowedOrigins.contains(origin) {
            throw RouteError(.forbidden, "forbidden", "origin not allowed")
        }
        let grant = try await services.grant(request, trusted: trusted)
        let filters = try services.filters(request, grant: grant)
        var since = try HTTPServices.integer(request, "since")
        var epoch = try HTTPServices.query(request, "epoch")
        // The browser's reconnect: it wins over the `since=`/`epoch=` of the URL it reuses. Empty
        // is no id (an event source sends none then).
        if let last = request.headers[HTTPField.Name("Last-Event-ID")!].map(HTTPWhitespace.trimmed), !last.isEmpty {
            guard let resume = SSEEventID.parse(last) else {
                throw RouteError(.badRequest, "bad_request",
                                 "Last-Event-ID must be an event id of this stream (epoch:id, or a bare id: decimal digits, at most \(UInt64.max))")
            }
            since = resume.id
            if let idEpoch = resume.epoch { epoch = idEpoch }
        }
        let resumeAfter = since
        let resumeEpoch = epoch
        guard services.connections.acquire(.sse) else {
            throw RouteError(.serviceUnavailable, "limit_exceeded", "too many connections")
        }
        let topics = filters.map(\.text)
        let subscriber = StreamSubscriber(bound: configuration.outboundQueueFrames)
        let router = services.router
        let connections = services.connections
        let heartbeat = configuration.sseHeartbeat
        _ = await InputClosedWatcher.whenClientLeaves(channel) { subscriber.finish() }
        let body = ResponseBody(contentLength: nil) { (writer: inout any ResponseBodyWriter) in
            let beats = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(heartbeat))
                    subscriber.yield(.heartbeat)
                }
            }
            // A token's `exp` bounds what it grants: the stream ends then, with an error event.
            let expiry = grant.expires.map { expires in
                Task {
                    while !Task.isCancelled {
                        let left = expires.timeIntervalSinceNow
                        if left <= 0 {
                            subscriber.yield(.expired)
                            return
                        }
                        try? await Task.sleep(for: .seconds(min(left, 86_400)))
                    }
                }
            }
            defer {
                beats.cancel()
                expiry?.cancel()
                router.remove(subscriber)
                subscriber.finish()
                connections.release(.sse)
            }
            do {
                try await router.subscribe(subscriber, filters: filters, since: resumeAfter, epoch: resumeEpoch) { result in
                    subscriber.yield(.subscribed(result))
                }
            } catch let error as RouterError {
                let frame = ServerFrame.error(error.code == .unknownTopic ? .unknownTopic : .unavailable, error.message, ref: nil)
                try await writer.write(ByteBuffer(string: "event: error\ndata: " + String(decoding: frame, as: UTF8.self) + "\n\n"))
                try await writer.finish(nil)
                return
            }
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            for await event in subscriber.events {
                switch event {
                case .subscribed(let result):
                    let frame = ServerFrame.subscribed(topics: topics, result: result, ref: nil)
                    try await writer.write(ByteBuffer(string: "event: subscribed\ndata: " + String(decoding: frame, as: UTF8.self) + "\n\n"))
                case .notification(let n):
                    try await writer.write(Self.block(n))
                case .heartbeat:
                    try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                case .expired:
                    Disconnects.count("token_expired")
                    let frame = ServerFrame.error(.forbidden, "the token expired: reconnect with a new one", ref: nil)
                    try await writer.write(ByteBuffer(string: "event: error\ndata: " + String(decoding: frame, as: UTF8.self) + "\n\n"))
                    try await writer.finish(nil)
                    return
                }
            }
            if subscriber.didOverflow { Disconnects.count("slow_consumer") }
            if subscriber.didMissNotifications { Disconnects.count("history_gap") }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [
            .contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no",
        ], body: body)
    }

    /// The SSE block of a notification, built once per notification.
    static func block(_ n: EncodedNotification) -> ByteBuffer {
        n.cached(for: "sse") {
            var buffer = ByteBuffer()
            buffer.writeString("id: " + SSEEventID.text(epoch: n.notification.epoch, id: n.id) + "\ndata: ")
            buffer.writeBytes(n.frame)
            buffer.writeString("\n\n")
            return buffer
        }
    }
}
