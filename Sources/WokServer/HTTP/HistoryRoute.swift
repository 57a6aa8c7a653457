import Hummingbird
import NIOCore
import WokJSON
import WokRouterCore

/// `GET /notifications?topics=&since=&limit=&wait=`: a page of history; with `wait`, held until
/// something arrives (the long-poll fallback).
struct HistoryRoute: Sendable {
    let services: HTTPServices
    let trusted: Bool

    /// - Parameter channel: the request's connection: a long-poll ends when its client goes away.
    func handle(_ request: Request, channel: any Channel) async throws -> Response {
        let grant = try await services.grant(request, trusted: trusted)
        let filters = try services.filters(request, grant: grant)
        let since = try HTTPServices.integer(request, "since")
        let epoch = request.uri.queryParameters.get("epoch")
        let maxLimit = services.configuration.maxHistoryLimit
        let limit = Int(min(try HTTPServices.integer(request, "limit") ?? UInt64(maxLimit), UInt64(maxLimit)))
        let wait = min(try HTTPServices.number(request, "wait") ?? 0, services.configuration.maxWait)
        if limit == 0 { throw RouteError(.badRequest, "bad_request", "limit= must be at least 1") }

        var page = try await read(filters, since: since, epoch: epoch, limit: limit)
        if page.notifications.isEmpty && page.recovered && wait > 0 {
            guard services.connections.acquire(.longpoll) else {
                throw RouteError(.serviceUnavailable, "limit_exceeded", "too many connections")
            }
            defer { services.connections.release(.longpoll) }
            let waiter = WakeupSubscriber()
            do {
                try await services.router.subscribe(waiter, filters: filters, since: since ?? page.head, epoch: page.epoch) { _ in }
            } catch {
                throw PublishProcessor.refusal(error)
            }
            // A client that went away frees its connection slot now, not when `wait` runs out.
            let registration = await InputClosedWatcher.whenClientLeaves(channel) { waiter.fire() }
            await waiter.wait(seconds: wait)
            registration?.forget()
            services.router.remove(waiter)
            page = try await read(filters, since: since ?? page.head, epoch: epoch, limit: limit)
        }
        var out: [UInt8] = []
        out.reserveCapacity(64 + page.notifications.count * 200)
        out.append(contentsOf: #"{"epoch":"#.utf8)
        JSON.string(page.epoch).write(to: &out)
        out.append(contentsOf: #","head":\#(page.head),"recovered":\#(page.recovered),"notifications":["#.utf8)
        for (i, n) in page.notifications.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: EncodedNotification(n).frame)
        }
        out.append(contentsOf: "]}".utf8)
        return JSONResponse.make(.ok, bytes: out)
    }

    private func read(_ filters: [TopicFilter], since: UInt64?, epoch: String?, limit: Int) async throws -> HistoryPage {
        do {
            return try await services.router.history(filters: filters, since: since, epoch: epoch, limit: limit)
        } catch {
            throw PublishProcessor.refusal(error)
        }
    }
}
