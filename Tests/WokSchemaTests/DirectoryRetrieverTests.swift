import Foundation
import Testing
import WokJSON
@testable import WokSchema

/// `DirectoryRetriever`: serves mapped folders, never the network, never a file outside them.
@Suite struct DirectoryRetrieverTests {
    /// A temporary folder `inside/` (mapped) next to `outside/` (not mapped).
    final class Folders {
        let base: URL
        var inside: String { base.appendingPathComponent("inside").path }
        var outside: String { base.appendingPathComponent("outside").path }

        init() throws {
            base = FileManager.default.temporaryDirectory.appendingPathComponent("wok-retriever-\(UUID().uuidString)")
            try FileManager.default.createDirectory(atPath: base.appendingPathComponent("inside/sub").path, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: base.appendingPathComponent("outside").path, withIntermediateDirectories: true)
            try Data(#"{"type": "string"}"#.utf8).write(to: URL(fileURLWithPath: inside + "/sub/a.json"))
            try Data(#"{"secret": true}"#.utf8).write(to: URL(fileURLWithPath: outside + "/secret.json"))
            try FileManager.default.createSymbolicLink(atPath: inside + "/link.json", withDestinationPath: outside + "/secret.json")
            try FileManager.default.createSymbolicLink(atPath: inside + "/linkdir", withDestinationPath: outside)
        }
        deinit { try? FileManager.default.removeItem(at: base) }
    }

    @Test func servesFilesUnderAMappedPrefix() throws {
        let folders = try Folders()
        let retriever = try DirectoryRetriever(mappings: [("http://localhost:1234/", folders.inside)])
        let document = try retriever.retrieve("http://localhost:1234/sub/a.json")
        #expect(document?["type"]?.string == "string")
        #expect(try retriever.retrieve("http://localhost:1234/sub/a.json#/type")?["type"]?.string == "string")
        #expect(try retriever.retrieve("http://localhost:1234/sub/missing.json") == nil)
    }

    @Test func neverReachesTheNetwork() throws {
        let folders = try Folders()
        let retriever = try DirectoryRetriever(mappings: [("http://localhost:1234/", folders.inside)])
        #expect(try retriever.retrieve("http://example.com/") == nil)
        #expect(try retriever.retrieve("https://example.com/schema.json") == nil)
    }

    @Test func refusesFileURIsOutsideTheFolders() throws {
        let folders = try Folders()
        let retriever = try DirectoryRetriever(mappings: [("http://localhost:1234/", folders.inside)])
        for uri in ["file:///etc/passwd", "file://\(folders.outside)/secret.json", "FILE:///etc/passwd"] {
            #expect(throws: SchemaError.forbiddenRef(uri, at: "")) { try retriever.retrieve(uri) }
        }
    }

    @Test func refusesPathsEscapingTheFolder() throws {
        let folders = try Folders()
        let retriever = try DirectoryRetriever(mappings: [("urn:x/", folders.inside)])
        for rest in ["../outside/secret.json", "sub/../../outside/secret.json", "%2e%2e/outside/secret.json",
                     "link.json", "linkdir/secret.json", "/etc/passwd"] {
            #expect(throws: SchemaError.self, "\(rest)") { try retriever.retrieve("urn:x/" + rest) }
            do {
                _ = try retriever.retrieve("urn:x/" + rest)
            } catch {
                #expect(error.isForbiddenRef, "\(rest): \(error)")
            }
        }
    }

    @Test func mapsAFolderToItsOwnFileURI() throws {
        let folders = try Folders()
        let prefix = try #require(DirectoryRetriever.fileURIPrefix(forDirectory: folders.inside))
        let retriever = try DirectoryRetriever(mappings: [(prefix, folders.inside)])
        #expect(try retriever.retrieve(prefix + "sub/a.json") != nil)
        #expect(throws: SchemaError.self) { try retriever.retrieve(prefix + "../outside/secret.json") }
    }

    @Test func refusesAFolderThatDoesNotExist() {
        #expect(throws: DirectoryRetriever.FolderError.self) {
            try DirectoryRetriever(mappings: [("urn:x/", "/nonexistent/wok/folder")])
        }
    }

    @Test func compilerRefusesRefsToSystemFilesAndTheNetwork() throws {
        let folders = try Folders()
        let retriever = try DirectoryRetriever(mappings: [("http://localhost:1234/", folders.inside)])
        for ref in ["file:///etc/passwd", "http://example.com/", "file://\(folders.outside)/secret.json"] {
            let compiler = SchemaCompiler(retriever: retriever)
            let schema: JSON = ["$ref": .string(ref)]
            #expect(throws: SchemaError.self, "\(ref)") { try compiler.compile(schema) }
            do {
                _ = try compiler.compile(schema)
            } catch {
                #expect(error.isUnresolvableRef, "\(ref): \(error)")
            }
        }
    }

    @Test func compilerFollowsRefsIntoMappedFolders() throws {
        let folders = try Folders()
        let retriever = try DirectoryRetriever(mappings: [("http://localhost:1234/", folders.inside)])
        let compiler = SchemaCompiler(retriever: retriever)
        let validator = try compiler.compile(["$ref": "http://localhost:1234/sub/a.json"])
        #expect(validator.isValid("text"))
        #expect(!validator.isValid(5))
    }
}
