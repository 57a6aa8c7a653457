import Foundation
import Testing
import WokServer

/// A setting given twice in one config file is refused, naming both places: tables are flattened,
/// so one of them silently won.
struct ConfigurationDuplicateTests {
    /// The error loading a config file with `text` (named `name`) gives, or nil when it loads.
    private func refusal(_ text: String, named name: String = "wok.toml") throws -> String? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wok-\(UUID().uuidString)-\(name)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ConfigurationLoader(file: path, environment: [:]).load()
            return nil
        } catch {
            #expect(error.description.hasPrefix(path), "the error names the file")
            return error.description
        }
    }

    @Test func aSettingAtTheTopLevelAndInATableIsRefused() throws {
        let error = try #require(try refusal("max_filters = 10\n\n[limits]\nmax_filters = 20\n"))
        #expect(error.contains("setting \"max_filters\" is given twice"))
        #expect(error.contains("max_filters at the top level") && error.contains("max_filters in [limits]"), "\(error)")
    }

    @Test func aSettingInTwoTablesIsRefused() throws {
        let error = try #require(try refusal("[limits]\nmax_filters = 10\n\n[push.limits]\nmax_filters = 20\n"))
        #expect(error.contains("\"max_filters\"") && error.contains("in [limits]") && error.contains("in [push.limits]"), "\(error)")
    }

    /// A dotted key is a table too: `limits.port` at the top level is `port` in [limits].
    @Test func aDottedKeyAndATableAreRefused() throws {
        let error = try #require(try refusal("port = 9000\nlimits.port = 9001\n"))
        #expect(error.contains("\"port\"") && error.contains("port at the top level") && error.contains("port in [limits]"), "\(error)")
    }

    /// `max-filters` and `Max_Filters` name the setting `max_filters` too.
    @Test func twoSpellingsOfASettingInOneTableAreRefused() throws {
        let error = try #require(try refusal("max_filters = 10\nmax-filters = 20\n"))
        #expect(error.contains("\"max_filters\"") && error.contains("max-filters at the top level"), "\(error)")
        #expect(try refusal("[a]\nMax_Filters = 1\n[b]\nmax_filters = 2\n") != nil)
    }

    /// TOML itself forbids a key repeated in one table; the error says where.
    @Test func aKeyRepeatedInOneTableIsRefusedWithItsLine() throws {
        let error = try #require(try refusal("port = 9000\nhost = \"::1\"\nport = 9001\n"))
        #expect(error.contains("not TOML") && error.contains("line 3"), "\(error)")
        let inTable = try #require(try refusal("[limits]\nmax_filters = 1\nmax_filters = 1\n"))
        #expect(inTable.contains("line 3"), "\(inTable)")
    }

    @Test func aJSONFileToo() throws {
        let repeated = try #require(try refusal(#"{"port": 9000,\#n "port": 9001}"#, named: "wok.json"))
        #expect(repeated.contains("port") && repeated.contains("line 2"), "\(repeated)")
        let nested = try #require(try refusal(#"{"port": 9000, "limits": {"port": 9001}}"#, named: "wok.json"))
        #expect(nested.contains("port at the top level") && nested.contains("port in object \"limits\""), "\(nested)")
    }

    @Test func eachSettingOnceLoads() throws {
        #expect(try refusal("port = 9000\n[limits]\nmax_filters = 10\n[push]\nping_interval = 5.0\n") == nil)
        // An unknown key is refused as unknown, even when repeated.
        let unknown = try #require(try refusal("[a]\nprot = 1\n[b]\nprot = 2\n"))
        #expect(unknown.contains("unknown setting \"prot\""), "\(unknown)")
    }
}
