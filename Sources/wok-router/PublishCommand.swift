import ArgumentParser
import Foundation
import WokJSON
import WokServer

/// `wok-router publish`: publishes one notification over HTTP or the UNIX socket.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish one notification to a running router.",
        discussion: "Prints the router's answer; exits 0 when the notification was stored (202), 1 when refused, 2 when unreachable."
    )

    @Option(help: "The topic, e.g. wok.userlog.")
    var topic: String
    @Option(help: "The notification data, as JSON (or @FILE to read it from a file, - for stdin).")
    var data: String
    @Option(help: "The router's base URL (default http://127.0.0.1:8080, or WOK_ROUTER_URL).")
    var url: String?
    @Option(name: .customLong("unix-socket"), help: "Publish over this UNIX socket instead of TCP (needs no token).")
    var unixSocket: String?
    @Option(help: "A publisher token (or WOK_ROUTER_TOKEN).")
    var token: String?

    func run() async throws {
        let text: String
        if data == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else if data.hasPrefix("@") {
            guard let contents = FileManager.default.contents(atPath: String(data.dropFirst())) else {
                throw ValidationError("cannot read \(data.dropFirst())")
            }
            text = String(decoding: contents, as: UTF8.self)
        } else {
            text = data
        }
        let json: JSON
        do { json = try JSON.parse(text) } catch { throw ValidationError("--data is not JSON: \(error.description)") }
        let body = JSON.object([("topic", .string(topic)), ("data", json)]).serialized()

        let target: OneShotHTTPClient.Target
        var prefix = ""
        if let unixSocket {
            target = .unixSocket(unixSocket)
        } else {
            let base = url ?? ProcessInfo.processInfo.environment["WOK_ROUTER_URL"] ?? "http://127.0.0.1:8080"
            guard let components = URLComponents(string: base), components.scheme == "http", let host = components.host else {
                throw ValidationError("--url must be http://HOST[:PORT][/PREFIX], not \(base)")
            }
            target = .tcp(host: host, port: components.port ?? 80)
            prefix = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        }
        var headers = [("Content-Type", "application/json")]
        if let token = token ?? ProcessInfo.processInfo.environment["WOK_ROUTER_TOKEN"] {
            headers.append(("Authorization", "Bearer \(token)"))
        }
        let response: OneShotHTTPClient.Response
        do {
            response = try await OneShotHTTPClient(target: target).send(method: "POST", path: prefix + "/notifications", headers: headers, body: body)
        } catch {
            FileHandle.standardError.write(Data("wok-router publish: cannot reach the router: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print(response.text)
        if response.status != 202 {
            FileHandle.standardError.write(Data("wok-router publish: refused with HTTP \(response.status)\n".utf8))
            throw ExitCode(1)
        }
    }
}
