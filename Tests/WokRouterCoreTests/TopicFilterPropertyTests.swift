import PropertyBased
import Testing
@testable import WokRouterCore

/// The obvious matcher, written independently of `TopicFilter` and `SubscriptionIndex`:
/// PROTOCOL section 1 read literally.
enum NaiveMatcher {
    static func matches(filter: [String], topic: [String]) -> Bool {
        guard let head = filter.first else { return topic.isEmpty }
        if head == ">" { return filter.count == 1 && !topic.isEmpty }
        guard let first = topic.first else { return false }
        guard head == "*" || head == first else { return false }
        return matches(filter: Array(filter.dropFirst()), topic: Array(topic.dropFirst()))
    }
}

/// An index value for tests.
final class Holder: SubscriptionIndexable, @unchecked Sendable {
    let number: Int
    var indexMark: UInt64 = 0
    init(_ number: Int) { self.number = number }
}

/// Few segment names, so that random filters and topics match often.
let segmentNames = ["a", "b", "c", "*"]
let topicGen = Gen.int(in: 0...2).array(of: 2...4).map { $0.map { segmentNames[$0] }.joined(separator: ".") }
let filterGen = zip(Gen.int(in: 0...3).array(of: 1...4), Gen.bool).map { (parts: [Int], rest: Bool) -> String in
    let names = parts.map { segmentNames[$0] }
    return (names.count == 1 || rest ? names + [">"] : names).joined(separator: ".")
}
let subscriptionsGen = zip(Gen.int(in: 0...9), filterGen).array(of: 0...40)

@Suite struct TopicFilterPropertyTests {
    @Test func filterMatchingAgreesWithTheNaiveMatcher() async {
        await propertyCheck(count: 2_000, input: filterGen, topicGen) { filterText, topicText in
            guard let filter = try? TopicFilter(filterText) else { return }
            let topic = try! Topic(topicText)
            let expected = NaiveMatcher.matches(filter: filterText.segmentList,
                                                topic: topicText.segmentList)
            #expect(filter.matches(topic) == expected, "\(filterText) vs \(topicText)")
        }
    }

    @Test func theIndexFindsExactlyTheHoldersOfMatchingFilters() async {
        await propertyCheck(count: 300, input: subscriptionsGen, Gen.int(in: 0...40), topicGen.array(of: 1...6)) { pairs, removals, topics in
            let holders = (0...9).map(Holder.init)
            var index = SubscriptionIndex<Holder>()
            var held = Set<Pair>()
            for (number, text) in pairs {
                guard let filter = try? TopicFilter(text) else { continue }
                #expect(index.insert(filter, for: holders[number]) == held.insert(Pair(number, text)).inserted)
            }
            // Remove some pairs again (every removals-th one), pruning the trie.
            for (offset, pair) in held.sorted().enumerated() where removals > 0 && offset % removals == 0 {
                #expect(index.remove(try! TopicFilter(pair.filter), for: holders[pair.number]))
                held.remove(pair)
            }
            #expect(index.count == held.count)
            for text in topics {
                let topic = try! Topic(text)
                let found = index.matches(of: topic).map(\.number)
                #expect(found.count == Set(found).count, "each holder once")
                let expected = Set(held.filter {
                    NaiveMatcher.matches(filter: $0.filter.segmentList, topic: text.segmentList)
                }.map(\.number))
                #expect(Set(found) == expected, "\(text)")
            }
        }
    }

    @Test func removingWhatWasNeverAddedChangesNothing() {
        var index = SubscriptionIndex<Holder>()
        let holder = Holder(1)
        index.insert(try! TopicFilter("a.*"), for: holder)
        #expect(!index.remove(try! TopicFilter("a.>"), for: holder))
        #expect(!index.remove(try! TopicFilter("a.*"), for: Holder(2)))
        #expect(!index.remove(try! TopicFilter("a.b"), for: holder))
        #expect(index.count == 1 && index.matches(of: try! Topic("a.b")).map(\.number) == [1])
    }

    @Test(arguments: ["kimchi", "kimchi.", ".vms", "kimchi..vms", "Kimchi.vms", "kimchi.>.vms", "kimchi.v*", "a.b.c.d.e.f.g.h.i",
                      "_a.b", "kimchi.#", String(repeating: "a", count: 250) + ".bcdef"])
    func malformedFiltersAreRefused(_ text: String) {
        #expect(throws: TopicError.self) { try TopicFilter(text) }
    }

    @Test(arguments: ["kimchi.>", "*.>", "kimchi.*.state", "a.b.c.d.e.f.g.h", "a-1.b_2"])
    func wellFormedFiltersAreAccepted(_ text: String) throws {
        #expect(try TopicFilter(text).text == text)
    }

    @Test func aTopicIsAtMost255BytesAndEightSegments() {
        let longest = String(repeating: "a", count: 127) + "." + String(repeating: "b", count: 127)
        #expect(Topic.isValid(longest))
        #expect(!Topic.isValid(longest + "b"))
        #expect(Topic.isValid("a.b.c.d.e.f.g.h") && !Topic.isValid("a.b.c.d.e.f.g.h.i"))
        #expect(!Topic.isValid("kimchi") && !Topic.isValid("kimchi.*"))
    }
}

struct Pair: Hashable, Comparable {
    let number: Int
    let filter: String
    init(_ number: Int, _ filter: String) { self.number = number; self.filter = filter }
    static func < (a: Pair, b: Pair) -> Bool { (a.number, a.filter) < (b.number, b.filter) }
}

extension String {
    var segmentList: [String] { split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
}
