import ArgumentParser
import Logging
import WokSchema
import WokServer

/// `wok-router serve`: runs the router (PROTOCOL section 7).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the router: push socket, HTTP publish and history, SSE and long-poll.",
        discussion: """
            Settings come from defaults, then --config (TOML, or JSON when the name ends in .json), \
            then WOK_ROUTER_* environment variables (WOK_ROUTER_PORT, WOK_ROUTER_AUTH_SECRET, ...), \
            then these flags. --print-config shows the result and every setting's name.
            """
    )

    @Option(help: "Config file: TOML, or JSON when the name ends in .json; relative paths in it are read from its folder.")
    var config: String?
    @Option(help: "Address to bind (default 127.0.0.1).")
    var host: String?
    @Option(help: "TCP port (default 8080; 0 picks a free one).")
    var port: Int?
    @Option(name: .customLong("unix-socket"), help: "Also serve the HTTP API on this UNIX socket (its permissions are the publisher credential).")
    var unixSocket: String?
    @Option(help: "History store: memory:, sqlite:PATH (default: sqlite:<root>/wok-router.sqlite) or postgres://user:password@host:port/database (several routers may share one; ?sslmode=disable|prefer|require|verify-full, default prefer)")
    var store: String?
    @Option(help: "Folder holding schemas/ and plugins/ (default: the current folder).")
    var root: String?
    @Option(name: .customLong("public-dir"), help: "Folder with the browser client and demo pages (default: the repository's Public/).")
    var publicDir: String?
    @Option(name: .customLong("allowed-origin"), help: "An Origin allowed on /push (repeatable; none: any).")
    var allowedOrigins: [String] = []
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?
    @Option(name: .customLong("set"), help: "Any setting as NAME=VALUE (repeatable), e.g. --set max_filters=512.")
    var settings: [String] = []
    @Flag(name: .customLong("print-config"), help: "Print the effective configuration and exit.")
    var printConfig = false

    func run() async throws {
        var flags: [(String, String)] = []
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw ArgumentParser.ValidationError("--set expects NAME=VALUE, not \(setting)") }
            flags.append((String(parts[0]), String(parts[1])))
        }
        if let host { flags.append(("host", host)) }
        if let port { flags.append(("port", String(port))) }
        if let unixSocket { flags.append(("unix_socket", unixSocket)) }
        if let store { flags.append(("store", store)) }
        if let root { flags.append(("root", root)) }
        if let publicDir { flags.append(("public_dir", publicDir)) }
        if !allowedOrigins.isEmpty { flags.append(("allowed_origins", allowedOrigins.joined(separator: ","))) }
        if let logLevel { flags.append(("log_level", logLevel)) }
        let configuration: WokServerConfiguration
        let loader = ConfigurationLoader(file: config, flags: flags)
        do {
            configuration = try loader.load()
        } catch {
            throw ArgumentParser.ValidationError(error.description)
        }
        if printConfig {
            print(ConfigurationLoader.describe(configuration))
            return
        }
        // A root with neither folder (serve started in the wrong folder, a typo in --root) would
        // run a router without a single topic; refuse it, as `validate --root` does.
        let root = configuration.root
        if FileSystem.isDirectory(root), !FileSystem.isDirectory(root + "/schemas"), !FileSystem.isDirectory(root + "/plugins") {
            throw ArgumentParser.ValidationError("root \(root) holds neither schemas/ nor plugins/: give the folder that does (--root, or root in the configuration)")
        }
        var logger = Logger(label: "wok-router")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        for (name, suggestion) in loader.unknownEnvironmentVariables {
            logger.warning("\(name) is not a setting and is ignored\(suggestion.map { " (did you mean \($0)?)" } ?? "")")
        }
        let server = try await WokRouterServer(configuration: configuration, logger: logger)
        try await server.run()
    }
}
