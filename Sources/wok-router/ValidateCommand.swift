import ArgumentParser
import WokSchema

/// `wok-router validate`: checks schemas, and notification data against them, before they ship.
///
/// Exit status (PROTOCOL section 7): 0 every instance valid, 1 some instance invalid, a schema
/// that does not compile or a `--topic` the router refuses, 2 a usage error (an unknown topic
/// included) or a file that cannot be read or parsed.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check schemas, and instances against them.",
        discussion: """
        With --schema or --topic, validates each FILE against that schema. With neither (and no FILE), \
        checks the whole plugin tree under --root. A --topic the router refuses (its reason and file are \
        printed) is not validated against. Exit status: 0 all valid, 1 some instance invalid, a schema \
        that does not compile or a topic the router refuses, 2 usage error (an unknown topic included), \
        or a file that cannot be read or is not JSON.
        """
    )

    /// How results are printed.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: "Validate against this schema file.")
    var schema: String?

    @Option(help: "Validate against the data schema of this topic (resolved under --root as the router does).")
    var topic: String?

    @Option(help: "The folder holding schemas/ and plugins/ (default: the current folder).")
    var root: String?

    @Flag(help: "Each FILE (or - for standard input) holds one JSON instance per line.")
    var ndjson = false

    @Option(help: "The draft of schemas without $schema: 3, 4, 6, 7, 2019-09 or 2020-12 (default 2020-12).")
    var defaultDraft: String?

    @Flag(help: "Treat format as an assertion (by default an annotation).")
    var assertFormat = false

    @Option(help: ArgumentHelp("Resolve $ref URIs starting with PREFIX to files under DIR (repeatable, offline).", valueName: "PREFIX=DIR"))
    var refMap: [String] = []

    @Option(help: "text (file:line: location: message [keyword]) or json (one line per instance).")
    var output: OutputFormat = .text

    @Option(help: "The largest file, or NDJSON line, read (bytes).")
    var maxBytes: Int = 128 << 20

    @Argument(help: "Instance files; - for standard input.")
    var files: [String] = []

    func validate() throws {
        if schema != nil && topic != nil { throw ArgumentParser.ValidationError("give --schema or --topic, not both") }
        if schema == nil && topic == nil && !files.isEmpty {
            throw ArgumentParser.ValidationError("give --schema S or --topic T to validate files against")
        }
        if schema == nil && topic == nil && (ndjson || !refMap.isEmpty) {
            throw ArgumentParser.ValidationError("--ndjson and --ref-map need --schema or --topic")
        }
        // The tree check compiles as the router does (2020-12 without $schema, format an
        // annotation): taking these options there would pass a tree the router then refuses.
        if schema == nil && topic == nil && (defaultDraft != nil || assertFormat) {
            throw ArgumentParser.ValidationError(
                "--default-draft and --assert-format need --schema or --topic: the tree check (--root) compiles as the router does")
        }
        if let defaultDraft, Draft(name: defaultDraft) == nil {
            throw ArgumentParser.ValidationError("unknown draft \"\(defaultDraft)\" for --default-draft: use 3, 4, 6, 7, 2019-09 or 2020-12")
        }
        for entry in refMap {
            guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex, entry.index(after: eq) != entry.endIndex else {
                throw ArgumentParser.ValidationError("--ref-map takes PREFIX=DIR, not \"\(entry)\"")
            }
        }
        if maxBytes < 1 { throw ArgumentParser.ValidationError("--max-bytes must be positive") }
    }

    func run() async throws {
        guard schema != nil || topic != nil else {
            throw ExitCode(runTreeCheck(root: root ?? "."))
        }
        let options = SchemaOptions(defaultDraft: Draft(name: defaultDraft ?? "2020-12")!, assertFormat: assertFormat)
        let report = ValidateReport(format: output)
        let code = ValidateRun(
            options: options, refMap: refMap, root: root ?? ".", ndjson: ndjson, maxBytes: maxBytes, report: report
        ).run(schema: schema, topic: topic, files: files)
        throw ExitCode(code)
    }
}
