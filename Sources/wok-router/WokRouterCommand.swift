import ArgumentParser

/// The `wok-router` command: declares the subcommands, nothing else.
@main
struct WokRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wok-router",
        abstract: "Routes WoK notifications from plugins to browsers over one push socket.",
        version: "0.1.0",
        subcommands: [ValidateCommand.self, ServeCommand.self, PublishCommand.self, TopicsCommand.self, DebugCommand.self]
    )
}
