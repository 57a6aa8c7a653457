import ArgumentParser

/// `wok-router validate`: checks schemas and notification data before they ship.
/// TODO(cli): PROTOCOL section 7.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check schemas, and instances against them."
    )

    func run() async throws {
        throw ValidationError("not implemented yet")
    }
}
