import ArgumentParser
import Foundation
import Logging
import WokJSON
import WokRouterCore

/// `wok-router topics [--root DIR]`: lists the topics under the root and their status.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "List the topics under the root (core and plugins) and their status.",
        discussion: "Exit status: 0 listed (refused topics included, with their reason), 2 a root that cannot be used."
    )

    @Option(help: "The folder holding schemas/ and plugins/ (default: the current folder).")
    var root: String = "."

    @Flag(help: "Print the GET /topics JSON document instead of a table.")
    var json = false

    func run() async throws {
        let registry: SchemaRegistry
        do {
            registry = try SchemaRegistry(root: root, logger: Logger(label: "topics", factory: { _ in SwiftLogNoOpLogHandler() }))
        } catch {
            StandardStream.write(Array("wok-router topics: \(error.message)\n".utf8), to: 2)
            throw ExitCode(2)
        }
        let topics = registry.topics
        if json {
            let document = JSON.object(["topics": .array(topics.map(\.json))])
            StandardStream.write(document.serialized() + [UInt8(ascii: "\n")], to: 1)
            return
        }
        var rows = [["TOPIC", "PLUGIN", "DRAFT", "STATUS", "DESCRIPTION"]]
        for info in topics {
            let status = info.status == .ok ? "ok" : (info.inForce ? "refused (previous version in force)" : "refused")
            rows.append([info.topic, info.plugin, info.draft ?? "2020-12", status, info.description ?? ""])
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var out = ""
        for row in rows {
            for column in 0..<4 { out += row[column].padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0) }
            out += row[4] + "\n"
        }
        for info in topics where info.status == .refused {
            out += "\(info.topic): refused: \(info.reason ?? "")\n"
        }
        StandardStream.write(Array(out.utf8), to: 1)
    }
}
