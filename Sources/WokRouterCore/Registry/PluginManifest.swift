import WokJSON

/// A plugin's `plugin.json`: `{"name", "version", "description"}` at least, and optional
/// retention overrides:
///
/// ```json
/// {"name": "kimchi", "version": "3.0.0", "description": "...",
///  "retention": {"count": 10000, "maxAgeSeconds": 604800},
///  "topics": {"kimchi.vms": {"retention": {"count": 500}}}}
/// ```
///
/// `retention` applies to every topic of the plugin; `topics.<topic>.retention` to one topic.
/// Each bound is a positive integer; an absent bound falls back to the level above
/// (topic → plugin → router default).
struct PluginManifest: Sendable {
    var name: String
    var version: String
    var description: String
    var retention: Retention?
    var topicRetention: [String: Retention]

    /// Reads a manifest; `problems` collects what is wrong, each with a JSON Pointer.
    static func parse(_ json: JSON, folder: String) -> (PluginManifest?, [(place: String, message: String)]) {
        var problems: [(String, String)] = []
        guard json.isObject else { return (nil, [("", "plugin.json must be a JSON object")]) }
        func text(_ key: String) -> String? {
            guard let value = json[key] else { problems.append(("/\(key)", "\"\(key)\" is required")); return nil }
            guard let string = value.string, !string.isEmpty else {
                problems.append(("/\(key)", "\"\(key)\" must be a non-empty string")); return nil
            }
            return string
        }
        let name = text("name"), version = text("version"), description = text("description")
        if let name, name != folder {
            problems.append(("/name", "\"name\" is \"\(name)\" but the plugin folder is \"\(folder)\"; they must be equal"))
        }
        var retention: Retention?
        if let value = json["retention"] { retention = parseRetention(value, at: "/retention", &problems) }
        var topicRetention: [String: Retention] = [:]
        if let topics = json["topics"] {
            if !topics.isObject { problems.append(("/topics", "\"topics\" must be an object of topic names")) }
            for (topic, settings) in topics.members {
                let place = "/topics/\(JSONPointer.escape(topic))"
                guard Topic.isValid(topic), topic.hasPrefix(folder + ".") else {
                    problems.append((place, "\"\(topic)\" is not a topic of plugin \"\(folder)\"")); continue
                }
                guard settings.isObject else { problems.append((place, "must be an object")); continue }
                if let value = settings["retention"], let parsed = parseRetention(value, at: place + "/retention", &problems) {
                    topicRetention[topic] = parsed
                }
            }
        }
        guard problems.isEmpty, let name, let version, let description else { return (nil, problems) }
        return (PluginManifest(name: name, version: version, description: description, retention: retention,
                               topicRetention: topicRetention), [])
    }

    private static func parseRetention(_ value: JSON, at place: String, _ problems: inout [(String, String)]) -> Retention? {
        guard value.isObject else { problems.append((place, "\"retention\" must be an object")); return nil }
        var retention = Retention()
        for (key, bound) in value.members {
            guard let number = bound.int, number > 0 else {
                problems.append((place + "/" + key, "must be a positive integer")); continue
            }
            switch key {
            case "count": retention.count = Int(number)
            case "maxAgeSeconds": retention.maxAgeSeconds = number
            default: problems.append((place + "/" + key, "unknown retention bound (use \"count\" or \"maxAgeSeconds\")"))
            }
        }
        return retention
    }

    /// The retention of `topic`: topic override, then plugin override, field by field.
    func retention(for topic: String) -> Retention? {
        let specific = topicRetention[topic]
        guard specific != nil || retention != nil else { return nil }
        return Retention(count: specific?.count ?? retention?.count,
                         maxAgeSeconds: specific?.maxAgeSeconds ?? retention?.maxAgeSeconds)
    }
}
