import Testing
@testable import WokServer

/// `SSEEventID`: `<epoch>:<id>` event ids, and the `Last-Event-ID` forms read back.
struct SSEEventIDTests {
    @Test func anEventIdReadsBackAsItsEpochAndId() throws {
        let text = SSEEventID.text(epoch: "153e9a2ff49f", id: 42)
        #expect(text == "153e9a2ff49f:42")
        let parsed = try #require(SSEEventID.parse(text))
        #expect(parsed.epoch == "153e9a2ff49f" && parsed.id == 42)
    }

    @Test func aBareIdHasNoEpoch() throws {
        let parsed = try #require(SSEEventID.parse("7"))
        #expect(parsed.epoch == nil && parsed.id == 7)
        #expect(SSEEventID.parse("18446744073709551615")?.id == UInt64.max)
    }

    @Test(arguments: ["", "abc", "-1", "+1", "1 2", "1.0", "18446744073709551616", ":5", "e:", "a:b:5", "e x:5", "e:5x"])
    func anythingElseIsRefused(value: String) {
        #expect(SSEEventID.parse(value) == nil)
    }
}
