import Foundation
import Testing
import WokJSON
@testable import WokRouterCore

@Suite struct EncodedNotificationTests {
    func sample(data: JSON = ["msg": "é \"quoted\"\n"]) throws -> WokNotification {
        WokNotification(id: 42, topic: try Topic("wok.userlog"), time: NotificationTime(millisecondsSince1970: 1_795_903_200_123),
                     data: data, epoch: "b3f1c2")
    }

    @Test func theFrameIsTheProtocolsNotificationObject() throws {
        let encoded = EncodedNotification(try sample())
        #expect(encoded.frameText == #"{"type":"notification","id":42,"epoch":"b3f1c2","topic":"wok.userlog","plugin":"wok","time":"2026-11-28T22:00:00.123Z","data":{"msg":"é \"quoted\"\n"}}"#)
        let parsed = try JSON.parse(encoded.frame)
        #expect(parsed["data"]?["msg"]?.string == "é \"quoted\"\n")
    }

    @Test func theFrameReusesTheTextTheStoreSerialized() throws {
        let data: JSON = ["msg": "é \"quoted\"\n", "n": 3, "list": [1, 2.5, nil]]
        let pending = PendingNotification(topic: try Topic("wok.userlog"), data: data, time: .now())
        #expect(pending.serializedData == data.serialized(), "serialized once, when the router accepts it")
        let withText = WokNotification(id: 42, topic: try Topic("wok.userlog"), time: NotificationTime(millisecondsSince1970: 1_795_903_200_123),
                                       data: data, epoch: "b3f1c2", serializedData: pending.serializedData)
        #expect(EncodedNotification(withText).frame == EncodedNotification(try sample(data: data)).frame)
        // The frame takes the text as given: a store that holds text for the data is believed.
        let marked = WokNotification(id: 42, topic: try Topic("wok.userlog"), time: .now(), data: data, epoch: "b3f1c2",
                                     serializedData: Array(#"{"from":"the store"}"#.utf8))
        #expect(try JSON.parse(EncodedNotification(marked).frame)["data"]?["from"]?.string == "the store")
    }

    @Test func theMemoryStoreHandsOnTheTextItKeeps() async throws {
        let store = MemoryHistoryStore()
        let data: JSON = ["name": "vm1", "on": true]
        let stored = try await store.append([PendingNotification(topic: try Topic("kimchi.vms"), data: data, time: .now())])
        #expect(stored.first?.serializedData == data.serialized())
        let read = try await store.read(filters: [try TopicFilter("kimchi.*")], since: 0, limit: 10)
        #expect(read.notifications.first?.serializedData == data.serialized(), "a replay reuses the kept text too")
    }

    @Test func timesPrintWithMillisecondsInUTC() {
        #expect(NotificationTime(millisecondsSince1970: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(NotificationTime(millisecondsSince1970: 5).description == "1970-01-01T00:00:00.005Z")
        #expect(NotificationTime(millisecondsSince1970: 951_782_400_999).description == "2000-02-29T00:00:00.999Z")
        #expect(NotificationTime(millisecondsSince1970: -1).description == "1969-12-31T23:59:59.999Z")
    }

    @Test func aTransportsWireFormIsBuiltOnceWhateverTheThreads() async throws {
        let encoded = EncodedNotification(try sample())
        let builds = Locked(0)
        await withTaskGroup(of: Int.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    encoded.cached(for: "sse") { () -> [UInt8] in
                        builds.withLock { $0 += 1 }
                        return Array("data: ".utf8) + encoded.frame
                    }.count
                }
            }
            for await count in group { #expect(count == encoded.frame.count + 6) }
        }
        #expect(builds.current == 1)
        let other: String = encoded.cached(for: "websocket") { "ws" }
        #expect(other == "ws" && builds.current == 1, "each key has its own slot")
    }

    @Test func eachMemoryStoreIsANewHistory() {
        #expect(MemoryHistoryStore().epoch != MemoryHistoryStore().epoch)
        #expect(MemoryHistoryStore().epoch.count == 12)
    }
}
