import Foundation
import Logging
import WokRouterCore

/// `wok-router validate [--root DIR]` without --schema or --topic: the plugin author's pre-ship
/// check of the whole tree. Every schema under `schemas/` and `plugins/` must compile with its
/// `$ref`s resolved, topic names and file places must be right, manifests well-formed, every
/// `examples` entry and every sample notification (`plugins/<p>/samples/{valid,invalid}/<topic>/`)
/// must validate (or, under `invalid/`, must not). A file that is not JSON is a finding too.
///
/// Prints one line per finding, `file: place: message`, on standard output; a summary on
/// standard error.
/// - Returns: 0 clean, 1 findings, 2 a root that cannot be used (missing, not a folder, or with
///   neither `schemas/` nor `plugins/`).
func runTreeCheck(root: String) -> Int32 {
    var isFolder: ObjCBool = false
    let fileManager = FileManager.default
    guard fileManager.fileExists(atPath: root, isDirectory: &isFolder), isFolder.boolValue else {
        ValidateReport.printError("--root \(root): not a folder")
        return 2
    }
    guard fileManager.fileExists(atPath: root + "/schemas") || fileManager.fileExists(atPath: root + "/plugins") else {
        ValidateReport.printError("--root \(root): holds neither schemas/ nor plugins/; nothing to check")
        return 2
    }
    var configuration = RegistryConfiguration()
    configuration.checkExamplesAndSamples = true
    let registry: SchemaRegistry
    do {
        registry = try SchemaRegistry(root: root, configuration: configuration, logger: Logger(label: "validate", factory: { _ in SwiftLogNoOpLogHandler() }))
    } catch {
        ValidateReport.printError("--root \(root): \(error.message)")
        return 2
    }
    let snapshot = registry.snapshot
    let findings = snapshot.findings.sorted { ($0.file, $0.place ?? "") < ($1.file, $1.place ?? "") }
    var out = ""
    for finding in findings { out += finding.description + "\n" }
    StandardStream.write(Array(out.utf8), to: 1)
    let topics = snapshot.topics.values.filter { $0.info.status == .ok }.count
    let summary = "\(topics) topic(s) in \(snapshot.plugins.count) plugin(s) (core included); "
        + (findings.isEmpty ? "no findings" : "\(findings.count) finding(s)")
    ValidateReport.printError(summary)
    return findings.isEmpty ? 0 : 1
}
