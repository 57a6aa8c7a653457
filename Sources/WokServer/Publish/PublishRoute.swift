import Hummingbird
import NIOCore

/// `POST /notifications` on Hummingbird: the path of requests whose token must be verified
/// (jwt-kit verifies asynchronously). Requests that need no verification are answered on the
/// event loop by ``EventLoopPublishHandler`` before they reach Hummingbird; both use
/// ``PublishProcessor``.
struct PublishRoute: Sendable {
    let services: HTTPServices
    let trusted: Bool
    var processor: PublishProcessor { PublishProcessor(router: services.router, maxBodyBytes: services.configuration.maxBodyBytes) }

    func handle(_ request: Request) async throws -> Response {
        let grant = try await services.grant(request, trusted: trusted)
        let processor = self.processor
        if let refused = processor.refusal(of: grant) { throw refused }
        let body = try await readBody(request, processor: processor)
        let reply = await withCheckedContinuation { continuation in
            processor.respond(to: body.readableBytesView, grant: grant) { continuation.resume(returning: $0) }
        }
        return reply.response
    }

    /// Reads the body, refusing more than `max_body_bytes` with 413.
    private func readBody(_ request: Request, processor: PublishProcessor) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > processor.maxBodyBytes {
            throw processor.tooLarge
        }
        do {
            return try await request.body.collect(upTo: processor.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw processor.tooLarge
        }
    }
}
