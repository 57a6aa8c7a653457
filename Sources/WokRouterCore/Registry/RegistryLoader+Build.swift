import WokJSON
import WokSchema

extension RegistryLoader {
    /// Compiles every plugin's topics with the plugin's own files and the core's as `$ref` targets.
    mutating func build(_ plugins: [PluginFiles], core: PluginFiles, previous: RegistrySnapshot) -> RegistrySnapshot {
        var topics: [String: TopicEntry] = [:]
        var infos: [String: PluginInfo] = [:]
        let coreDocuments = core.documents.filter { $0.json != nil }
        let duplicates = duplicateTopics(plugins)
        var protocolValidators: [String: Validator] = [:]

        for plugin in plugins {
            let compiler = makeCompiler(documents: plugin.isCore ? coreDocuments : coreDocuments + plugin.documents.filter { $0.json != nil })
            var refusals: [String] = []
            var names: [String] = []
            for document in plugin.documents {
                if plugin.isCore, document.topic == nil, document.file.relative.hasPrefix("schemas/protocol/"), let json = document.json {
                    let name = String(document.file.relative.split(separator: "/").last!.dropLast(".json".count))
                    if let validator = compile(json, document, with: compiler) { protocolValidators[name] = validator }
                    continue
                }
                guard let name = document.topic, let topic = try? Topic(name) else {
                    // A definitions file: the pre-ship check compiles it on its own too, so that its
                    // unused definitions and references are checked.
                    if configuration.checkExamplesAndSamples, let json = document.json { _ = compile(json, document, with: compiler) }
                    continue
                }
                names.append(name)
                var reason: String?
                if let others = duplicates[name] {
                    reason = "topic \"\(name)\" is defined by more than one file: " + others.joined(separator: ", ")
                    add(document.file.relative, reason!, topic: name)
                } else if let problem = plugin.manifestProblem {
                    reason = problem
                } else if document.json == nil {
                    reason = findings.last { $0.file == document.file.relative }?.description ?? "cannot be read"
                }
                var validator: Validator?
                if reason == nil, let json = document.json {
                    let before = findings.count
                    validator = compile(json, document, with: compiler)
                    if validator == nil { reason = findings[before...].first?.description ?? "does not compile" }
                }
                if let reason { refusals.append(reason) }
                topics[name] = entry(topic, document, plugin: plugin, validator: validator, reason: reason, previous: previous)
            }
            if let problem = plugin.manifestProblem, refusals.isEmpty { refusals.append(problem) }
            // A plugin whose manifest was refused keeps its previous topics in force.
            if plugin.manifestProblem != nil, let old = previous.plugins[plugin.key] {
                for name in old.topics where topics[name] == nil {
                    if let kept = previous.topics[name], kept.validator != nil {
                        topics[name] = kept.refused(plugin.manifestProblem!)
                        names.append(name)
                    }
                }
            }
            infos[plugin.key] = PluginInfo(
                name: plugin.key, version: plugin.manifest?.version, description: plugin.manifest?.description,
                topics: Array(Set(names)).sorted(), refusal: refusals.first, fingerprint: plugin.fingerprint)
            if configuration.checkExamplesAndSamples { checkExamplesAndSamples(plugin, topics: topics) }
        }
        return RegistrySnapshot(topics: topics, plugins: infos, findings: findings + walker.findings,
                                protocolValidators: protocolValidators)
    }

    private func makeCompiler(documents: [Document]) -> SchemaCompiler {
        let compiler = SchemaCompiler(options: configuration.schemaOptions, retriever: RegistryRetriever())
        for document in documents {
            if let json = document.json { try? compiler.addDocument(json, uri: document.uri) }
        }
        return compiler
    }

    private mutating func compile(_ json: JSON, _ document: Document, with compiler: SchemaCompiler) -> Validator? {
        do {
            return try compiler.compile(json, uri: document.uri)
        } catch {
            add(document.file.relative, error.message, place: error.schemaLocation.isEmpty ? "(root)" : error.schemaLocation,
                topic: document.topic)
            return nil
        }
    }

    /// Topics defined by two or more files (two plugins, or two files of one plugin), with those files.
    private func duplicateTopics(_ plugins: [PluginFiles]) -> [String: [String]] {
        var files: [String: [String]] = [:]
        for plugin in plugins {
            for document in plugin.documents {
                if let topic = document.topic { files[topic, default: []].append(document.file.relative) }
            }
        }
        return files.filter { $0.value.count > 1 }
    }

    private func entry(_ topic: Topic, _ document: Document, plugin: PluginFiles, validator: Validator?, reason: String?,
                       previous: RegistrySnapshot) -> TopicEntry {
        let retention = plugin.manifest?.retention(for: topic.name)
        if let reason {
            if let kept = previous.topics[topic.name], kept.validator != nil { return kept.refused(reason) }
            let info = TopicInfo(topic: topic.name, plugin: plugin.name, draft: document.json.flatMap(Self.draft(of:)),
                                 id: document.json?["$id"]?.string, description: document.json.flatMap(Self.description(of:)),
                                 status: .refused, reason: reason, file: document.file.relative, inForce: false)
            return TopicEntry(topic: topic, info: info, schema: nil, validator: nil, retention: retention, fingerprint: document.fingerprint)
        }
        let json = document.json!
        let info = TopicInfo(topic: topic.name, plugin: plugin.name, draft: validator.map { Self.name(of: $0.draft) } ?? Self.draft(of: json),
                             id: json["$id"]?.string ?? json["id"]?.string, description: Self.description(of: json),
                             status: .ok, reason: nil, file: document.file.relative, inForce: true)
        return TopicEntry(topic: topic, info: info, schema: json, validator: validator, retention: retention, fingerprint: document.fingerprint)
    }

    static func draft(of schema: JSON) -> String? {
        if let uri = schema["$schema"]?.string { return Draft(metaSchemaURI: uri).map(name(of:)) }
        return nil
    }

    /// The draft as json-schema.org names it: `draft-04`, `draft-07`, `2019-09`, `2020-12`.
    static func name(of draft: Draft) -> String {
        switch draft {
        case .draft3: "draft-03"
        case .draft4: "draft-04"
        case .draft6: "draft-06"
        case .draft7: "draft-07"
        case .draft2019_09: "2019-09"
        case .draft2020_12: "2020-12"
        }
    }

    static func description(of schema: JSON) -> String? {
        schema["description"]?.string ?? schema["title"]?.string
    }
}

extension TopicEntry {
    /// This entry, still in force, marked refused because its latest file was refused.
    func refused(_ reason: String) -> TopicEntry {
        var info = self.info
        info.status = .refused
        info.reason = reason
        return TopicEntry(topic: topic, info: info, schema: schema, validator: validator, retention: retention, fingerprint: fingerprint)
    }
}

/// The registry's retriever: the network and every file not added to the compiler are refused.
struct RegistryRetriever: SchemaRetriever {
    func retrieve(_ uri: String) throws(SchemaError) -> JSON? {
        // Registry files were all added to the compiler; the engine knows the meta-schemas itself.
        if uri.hasPrefix(SchemaURI.scheme + ":") || uri.contains("://json-schema.org/") { return nil }
        throw SchemaError.forbiddenRef(uri, at: "")
    }
}
