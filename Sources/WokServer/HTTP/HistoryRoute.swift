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
        let epoch = try HTTPServices.query(request, "epoch")
        let limit = try Self.limit(request, max: services.configuration.maxHistoryLimit)
        let wait = try Self.wait(request, max: services.configuration.maxWait)

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

    /// `limit=`: 1 to `max_history_limit`, that bound when absent.
    /// - Throws: 400 for 0, for more than the bound (named in the body), for anything else.
    static func limit(_ request: Request, max: Int) throws -> Int {
        guard let asked = try HTTPServices.integer(request, "limit") else { return max }
        if asked == 0 { throw RouteError(.badRequest, "bad_request", "limit= must be at least 1") }
        guard asked <= UInt64(max) else {
            throw HTTPServices.overLimit("limit= is at most \(max) (max_history_limit)", limit: "max_history_limit", max: max)
        }
        return Int(asked)
    }

    /// `wait=`: 0 to `max_wait` seconds, 0 when absent.
    /// - Throws: 400 for more than the bound (named in the body), for anything not a number.
    static func wait(_ request: Request, max: Double) throws -> Double {
        guard let asked = try HTTPServices.number(request, "wait") else { return 0 }
        guard asked <= max else {
            throw HTTPServices.overLimit("wait= is at most \(max == max.rounded() && max < 1e15 ? String(Int(max)) : String(max)) seconds (max_wait)",
                                         limit: "max_wait", max: .double(max))
        }
        return asked
    }

    private func read(_ filters: [TopicFilter], since: UInt64?, epoch: String?, limit: Int) async throws -> HistoryPage {
        do {
            return try await services.router.history(filters: filters, since: since, epoch: epoch, limit: limit)
        } catch {
            throw PublishProcessor.refusal(error)
        }
    }
}
