/// `wok-router validate [--root DIR]` without --schema or --topic: checks the whole plugin tree.
///
/// TODO(router core): compile every schema under schemas/ and plugins/, check topic names, file
/// places and manifests (PROTOCOL section 2), report each finding with file and place.
/// - Returns: the exit status: 0 clean, 1 findings, 2 a root that cannot be used.
func runTreeCheck(root: String) -> Int32 {
    ValidateReport.printError("validate --root \(root): the plugin tree check is not implemented yet")
    return 2
}
