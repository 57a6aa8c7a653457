import Hummingbird
import NIOCore
import WokJSON

/// JSON responses and the JSON error bodies every failure answers with (`{"error": ..}`).
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, bytes: [UInt8], headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func make(_ status: HTTPResponse.Status, _ json: JSON) -> Response {
        make(status, bytes: json.serialized())
    }

    /// An error body: `{"error": code, "message": message, ...extra}`.
    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String, extra: [(String, JSON)] = []) -> Response {
        make(status, errorBody(code, message, extra: extra))
    }

    static func errorBody(_ code: String, _ message: String, extra: [(String, JSON)] = []) -> JSON {
        .object([("error", .string(code)), ("message", .string(message))] + extra)
    }
}

/// A status and a JSON body: an answer built apart from the transport that sends it.
struct JSONReply: Sendable {
    let status: HTTPResponse.Status
    let body: JSON
    var response: Response { JSONResponse.make(status, body) }
}

/// A failure a route throws to answer with a JSON error body.
struct RouteError: Error {
    let status: HTTPResponse.Status
    let body: JSON
    /// Header fields the answer carries besides `Content-Type` (`WWW-Authenticate` on a 401).
    var headers: HTTPFields = [:]
    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, extra: [(String, JSON)] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.body = JSONResponse.errorBody(code, message, extra: extra)
        self.headers = headers
    }
    init(status: HTTPResponse.Status, body: JSON) {
        self.status = status
        self.body = body
    }
    var response: Response { JSONResponse.make(status, bytes: body.serialized(), headers: headers) }
    var reply: JSONReply { JSONReply(status: status, body: body) }
}

/// Turns every error into a JSON error body: route errors as built, Hummingbird's HTTP errors
/// (no route, bad request) with a code named after the status.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as RouteError {
            return error.response
        } catch let error as HTTPError {
            let code: String
            switch error.status {
            case .notFound: code = "not_found"
            case .methodNotAllowed: code = "method_not_allowed"
            case .contentTooLarge: code = "too_large"
            case .unauthorized: code = "unauthorized"
            case .forbidden: code = "forbidden"
            default: code = error.status.code < 500 ? "bad_request" : "internal"
            }
            return JSONResponse.error(error.status, code, error.body ?? error.status.reasonPhrase)
        } catch {
            return JSONResponse.error(.internalServerError, "internal", "\(error)")
        }
    }
}
