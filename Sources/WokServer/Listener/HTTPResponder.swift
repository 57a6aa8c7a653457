import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Turns the HTTP API's router into the responder Hummingbird's HTTP/1 request loop calls, as
/// Hummingbird's `Application` does: a request context per request, errors the router does not
/// turn into responses answered 500, `Date` and `Server` on every response.
enum HTTPResponder {
    /// Thrown instead of a parser error met while writing a response, which the request loop would
    /// otherwise answer with a second response (a 400).
    struct ResponseWriteFailed: Error {}

    static func make(router: Hummingbird.Router<WokRequestContext>, serverName: String, logger: Logger) -> HTTPChannelHandler.Responder {
        let responder = router.buildResponder()
        let date = NIOLockedValueBox(HTTPDate())
        return { request, responseWriter, channel in
            var logger = logger
            logger[metadataKey: "hb.request.id"] = .stringConvertible(RequestID())
            let context = WokRequestContext(source: .init(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch let error as HTTPParserError {
                throw error
            } catch {
                logger.debug("Unrecognised Error", metadata: ["error.type": "\(error)"])
                response = Response(status: .internalServerError, body: .init())
            }
            response.headers[.date] = date.withLockedValue { $0.now() }
            response.headers[.server] = serverName
            do {
                try await responseWriter.write(response: response.head, body: response.body)
            } catch is HTTPParserError {
                throw ResponseWriteFailed()
            }
        }
    }
}
