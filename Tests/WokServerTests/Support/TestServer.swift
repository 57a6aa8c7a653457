import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import WokJSON
import WokServer

/// A real wok-router on a loopback port (and optionally a UNIX socket) for one test.
struct TestServer: Sendable {
    let port: Int
    let unixSocket: String?
    let root: String
    let group: ServiceGroup

    /// Runs `body` against a fresh server; shuts it down gracefully afterwards.
    static func with<T: Sendable>(
        root: String? = nil,
        configure: @Sendable (inout WokServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let root = try root ?? Fixtures.makeRoot()
        var configuration = WokServerConfiguration()
        configuration.root = root
        configuration.port = 0
        configuration.store = "memory:"
        configuration.authSecret = nil
        configuration.eventLoops = 2
        configure(&configuration)
        var logger = Logger(label: "wok-router-test")
        logger.logLevel = .warning
        let server = try await WokRouterServer(configuration: configuration, logger: logger)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var services: [any Service] = [
            server.listener(address: .hostname("127.0.0.1", port: configuration.port), trusted: false) { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
            },
        ]
        let (unixReady, unixContinuation) = AsyncStream.makeStream(of: Void.self)
        if let path = configuration.unixSocket {
            try? FileManager.default.removeItem(atPath: path)
            services.append(server.listener(address: .unixDomainSocket(path: path), trusted: true) { _ in
                unixContinuation.yield()
            })
        } else {
            unixContinuation.yield()
        }
        services.append(server.routerService)
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            var unixIterator = unixReady.makeAsyncIterator()
            _ = await unixIterator.next()
            let test = TestServer(port: port, unixSocket: configuration.unixSocket, root: root, group: group)
            do {
                let result = try await body(test)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                try await server.shutdownEventLoops()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                try? await server.shutdownEventLoops()
                throw error
            }
        }
    }

    /// A port that was free a moment ago, for tests whose configuration names the port.
    static func freePort() -> Int { Int.random(in: 30_000..<60_000) }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var pushURL: String { "ws://127.0.0.1:\(port)/push" }

    /// One HTTP request over TCP (or the UNIX socket).
    func request(_ method: String, _ path: String, body: String? = nil, headers: [(String, String)] = [],
                 overUnixSocket: Bool = false) async throws -> HTTPAnswer {
        let target: OneShotHTTPClient.Target = overUnixSocket ? .unixSocket(unixSocket!) : .tcp(host: "127.0.0.1", port: port)
        let response = try await OneShotHTTPClient(target: target).send(
            method: method, path: path, headers: headers, body: body.map { Array($0.utf8) })
        return HTTPAnswer(status: response.status, text: response.text)
    }

    /// Publishes `data` to `topic` and returns the stored id.
    @discardableResult
    func publish(_ topic: String, _ data: JSON, headers: [(String, String)] = []) async throws -> UInt64 {
        let body = JSON.object([("topic", .string(topic)), ("data", data)]).serializedString()
        let answer = try await request("POST", "/notifications", body: body, headers: headers)
        guard answer.status == 202, let id = answer.json?["id"]?.int else {
            throw TestFailure("publish answered \(answer.status): \(answer.text)")
        }
        return UInt64(id)
    }
}

/// An HTTP answer.
struct HTTPAnswer: Sendable {
    let status: Int
    let text: String
    var json: JSON? { try? JSON.parse(text) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
