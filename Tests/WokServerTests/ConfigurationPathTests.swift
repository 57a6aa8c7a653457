import Foundation
import Testing
import WokServer

/// Relative paths a config file gives are read from the file's folder; those of the environment
/// and flags from the working directory.
struct ConfigurationPathTests {
    /// A config file in a fresh folder, with `text`; returns the folder and the file.
    private func configFile(_ text: String, named name: String = "wok.toml") throws -> (folder: String, file: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wok-conf-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return (folder, file)
    }

    @Test func relativePathsInTheFileAreReadFromItsFolder() throws {
        let (folder, file) = try configFile("""
            root = "site"
            store = "sqlite:data/history.db"
            unix_socket = "./run/wok.sock"
            public_dir = "../public"
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let c = try ConfigurationLoader(file: file, environment: [:]).load()
        #expect(c.root == folder + "/site")
        #expect(c.store == "sqlite:" + folder + "/data/history.db")
        #expect(c.unixSocket == folder + "/run/wok.sock")
        #expect(c.publicDir == folder + "/../public")
    }

    @Test func aJSONFileToo() throws {
        let (folder, file) = try configFile(#"{"root": ".", "store": "sqlite://h.db"}"#, named: "wok.json")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let c = try ConfigurationLoader(file: file, environment: [:]).load()
        #expect(c.root == folder)
        #expect(c.store == "sqlite:" + folder + "/h.db")
        // The default store follows the root, so it lands in the config file's folder as well.
        let (other, bare) = try configFile(#"{"root": "r"}"#, named: "wok.json")
        defer { try? FileManager.default.removeItem(atPath: other) }
        #expect(try ConfigurationLoader(file: bare, environment: [:]).load().effectiveStore == "sqlite:" + other + "/r/wok-router.sqlite")
    }

    /// The file named by WOK_ROUTER_CONFIG is a config file like --config's.
    @Test func theFileOfWokRouterConfigToo() throws {
        let (folder, file) = try configFile("root = \"site\"\n")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try ConfigurationLoader(environment: ["WOK_ROUTER_CONFIG": file]).load().root == folder + "/site")
    }

    @Test func absolutePathsAndOtherStoresStayAsTheyAre() throws {
        let (folder, file) = try configFile("""
            root = "/srv/wok"
            unix_socket = "/run/wok.sock"
            store = "sqlite:/var/lib/wok/h.db"
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let c = try ConfigurationLoader(file: file, environment: [:]).load()
        #expect(c.root == "/srv/wok" && c.unixSocket == "/run/wok.sock" && c.store == "sqlite:/var/lib/wok/h.db")
        for store in ["memory:", "postgres://wok@127.0.0.1:5432/wok", "sqlite::memory:", "sqlite:"] {
            try "store = \"\(store)\"\n".write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try ConfigurationLoader(file: file, environment: [:]).load().store == store)
        }
    }

    @Test func environmentAndFlagsStayRelativeToTheWorkingDirectory() throws {
        let (folder, file) = try configFile("root = \"site\"\nstore = \"sqlite:h.db\"\n")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let c = try ConfigurationLoader(file: file, environment: ["WOK_ROUTER_ROOT": "here", "WOK_ROUTER_UNIX_SOCKET": "w.sock"],
                                        flags: [("store", "sqlite:mine.db"), ("public_dir", "pub")]).load()
        #expect(c.root == "here" && c.unixSocket == "w.sock" && c.store == "sqlite:mine.db" && c.publicDir == "pub")
    }
}
