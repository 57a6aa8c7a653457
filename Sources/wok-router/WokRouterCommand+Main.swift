import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

extension WokRouterCommand {
    /// Runs the command tree; a usage error exits with status 2 (not ArgumentParser's 64),
    /// as PROTOCOL section 7 documents for `validate`.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                StandardStream.write(Array((fullMessage(for: error) + "\n").utf8), to: 2)
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}
