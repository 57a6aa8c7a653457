import WokJSON
import WokSchema

extension RegistryLoader {
    /// `validate --root`'s pre-ship checks for one plugin: every `examples` entry of its topic
    /// schemas validates, every sample in `samples/valid/<topic>/` validates and every sample in
    /// `samples/invalid/<topic>/` does not.
    mutating func checkExamplesAndSamples(_ plugin: PluginFiles, topics: [String: TopicEntry]) {
        for document in plugin.documents {
            guard let name = document.topic, let entry = topics[name], entry.info.status == .ok,
                  let validator = entry.validator, let examples = document.json?["examples"] else { continue }
            guard examples.isArray else {
                add(document.file.relative, "\"examples\" must be an array", place: "/examples")
                continue
            }
            for (index, example) in examples.elements.enumerated() {
                for error in validator.validate(example) {
                    add(document.file.relative, "example does not validate: \(error.message) [at \(error.instanceLocation.isEmpty ? "(root)" : error.instanceLocation), \(error.keywordLocation)]",
                        place: "/examples/\(index)")
                }
            }
        }
        for sample in plugin.samples { checkSample(sample, plugin: plugin.name, topics: topics) }
    }

    private mutating func checkSample(_ sample: TreeWalker.File, plugin: String, topics: [String: TopicEntry]) {
        // plugins/<plugin>/samples/<valid|invalid>/<topic>/<name>.json
        let parts = sample.relative.split(separator: "/").map(String.init)
        guard parts.count == 6, parts[3] == "valid" || parts[3] == "invalid", parts[5].hasSuffix(".json") else {
            add(sample.relative, "sample files go in plugins/\(plugin)/samples/valid/<topic>/<name>.json or samples/invalid/<topic>/<name>.json")
            return
        }
        let expectValid = parts[3] == "valid", topic = parts[4]
        if let entry = topics[topic], entry.info.status == .refused { return }  // its refusal is a finding already
        guard let entry = topics[topic], let validator = entry.validator else {
            let suggestions = EditDistance.suggestions(for: topic, among: topics.keys)
            let hint = suggestions.isEmpty ? "" : "; did you mean " + suggestions.map { "\"\($0)\"" }.joined(separator: ", ") + "?"
            add(sample.relative, "sample for unknown topic \"\(topic)\"\(hint)")
            return
        }
        guard let bytes = walker.read(sample, limit: configuration.maxFileBytes) else { return }
        let json: JSON
        do {
            json = try JSON.parse(bytes)
        } catch {
            add(sample.relative, "not JSON: \(error.message)", place: "line \(error.line), column \(error.column)")
            return
        }
        let errors = validator.validate(json)
        if expectValid {
            for error in errors {
                add(sample.relative, "valid sample does not validate against \"\(topic)\": \(error.message) [\(error.keywordLocation)]",
                    place: error.instanceLocation.isEmpty ? "(root)" : error.instanceLocation)
            }
        } else if errors.isEmpty {
            add(sample.relative, "invalid sample validates against \"\(topic)\"; it should not")
        }
    }
}
