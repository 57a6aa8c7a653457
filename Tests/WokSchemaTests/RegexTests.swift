import Testing
@testable import WokSchema

@Suite struct RegexTests {
    private func matches(_ pattern: String, _ text: String) throws -> Bool {
        let outcome = try ECMARegex(pattern).search(text)
        #expect(outcome != .limitExceeded)
        return outcome == .match
    }

    @Test func searchIsUnanchored() throws {
        #expect(try matches("b+", "abbbc"))
        #expect(try !matches("^b", "abc"))
    }

    @Test func dollarMatchesOnlyAtTheEnd() throws {
        #expect(try matches("^abc$", "abc"))
        #expect(try !matches("^abc$", "abc\n"))
    }

    @Test func digitAndWordClassesAreASCII() throws {
        #expect(try matches("^\\d$", "7"))
        #expect(try !matches("^\\d$", "\u{07C0}"))
        #expect(try !matches("^\\w$", "é"))
        #expect(try matches("^\\W$", "é"))
        #expect(try matches("^[\\w-]+$", "a-b_9"))
        #expect(try !matches("\\bé", "é"))
    }

    @Test func whitespaceIsECMAWhitespace() throws {
        for ws in ["\t", "\u{0B}", "\u{0C}", " ", "\u{A0}", "\u{FEFF}", "\n", "\u{2029}", "\u{2003}"] {
            #expect(try matches("^\\s$", ws), "\\s should match U+\(String(ws.unicodeScalars.first!.value, radix: 16))")
            #expect(try !matches("^\\S$", ws))
            #expect(try !matches("^[\\S]$", ws))
            #expect(try matches("^[\\s]$", ws))
        }
        #expect(try !matches("^\\s$", "\u{85}"))
        #expect(try matches("^\\S$", "\u{1}"))
        #expect(try matches("^[^\\S]$", " "))
    }

    @Test func dotStopsAtLineTerminators() throws {
        #expect(try matches("^.$", "é"))
        #expect(try matches("^.$", "🐲"))
        for t in ["\n", "\r", "\u{2028}", "\u{2029}"] { #expect(try !matches("^.$", t)) }
    }

    @Test func escapesMeanWhatECMASays() throws {
        #expect(try matches("^\\t$", "\t"))
        #expect(try !matches("^\\t$", "\\t"))
        #expect(try matches("^\\v$", "\u{0B}"))
        #expect(try !matches("^\\v$", "\n"))
        #expect(try matches("^\\cA$", "\u{01}"))
        #expect(try matches("^\\x41\\u0042\\u{43}$", "ABC"))
        #expect(try matches("^\\uD83D\\uDC32+$", "🐲🐲"))
        #expect(try !matches("^\\uD83D\\uDC32$", "🐉"))
        #expect(try matches("^\\0$", "\u{0}"))
        #expect(try matches("^\\/\\.\\*$", "/.*"))
        #expect(try matches("^[\\b]$", "\u{08}"))
    }

    @Test func unicodePropertiesUseECMANames() throws {
        #expect(try matches("\\p{Letter}cole", "école"))
        #expect(try !matches("\\p{Letter}cole", "ÉCOLE"))
        #expect(try matches("^\\p{digit}+$", "\u{09EA}\u{09E8}"))
        #expect(try matches("^\\p{Lu}$", "É"))
        #expect(try matches("^\\p{Script=Greek}+$", "αβγ"))
        #expect(try matches("^\\P{L}$", "1"))
        #expect(try matches("^[\\p{L}\\d]+$", "é1"))
        #expect(throws: RegexError.self) { try ECMARegex("\\p{letter}") }
        #expect(throws: RegexError.self) { try ECMARegex("\\p{Nope}") }
    }

    @Test func groupsAndBackreferences() throws {
        #expect(try matches("^(?<n>a)\\k<n>$", "aa"))
        #expect(try matches("^(a)\\1$", "aa"))
        #expect(try matches("^(?:a|b)+$", "abab"))
        #expect(try matches("^\\1(a)$", "a"))          // ECMA: a backreference to an unset group matches empty
        #expect(try matches("(?<=a)b", "ab"))
        #expect(try !matches("(?<!a)b", "ab"))
        #expect(try matches("a(?=b)", "ab"))
        #expect(try matches("^a{2,3}$", "aaa"))
        #expect(try !matches("^a{2,3}$", "aaaa"))
        #expect(try matches("^a{2,}?$", "aaaa"))
    }

    @Test func emptyClasses() throws {
        #expect(try !matches("[]", "a"))
        #expect(try matches("^[^]$", "\n"))
    }

    @Test func classRangesAndEscapes() throws {
        #expect(try matches("^[a-z]+$", "abc"))
        #expect(try !matches("[a-z]cole", "école"))
        #expect(try matches("^[\\-+]$", "-"))
        #expect(try matches("^[a-]$", "-"))
        #expect(try matches("^[\\]\\[]+$", "]["))
        #expect(try matches("^[[:a]+$", "[:a"))   // no POSIX classes in ECMA
        #expect(throws: RegexError.self) { try ECMARegex("[z-a]") }
        #expect(throws: RegexError.self) { try ECMARegex("[\\d-z]") }
    }

    @Test(arguments: [
        "(?i)abc", "(?ims)abc", "a++", "a*+", "a{2}{3}", "(?>a)", "\\Z", "\\A", "\\z", "\\a", "\\e", "\\h", "\\R",
        "\\Qa\\E", "\\-", "^(abc]", "(", ")", "[a", "{1}", "a{2,1}", "}", "]", "\\2(a)", "\\k<x>(?<y>a)",
        "(?=a)*", "(?<=a)+", "^*", "\\c1", "\\x4", "\\u12", "\\u{110000}", "\\01", "(?P<n>a)", "(?#comment)",
        "\\", "[\\c]",
    ])
    func refusesWhatECMAForbids(pattern: String) {
        #expect(throws: RegexError.self) { try ECMARegex(pattern) }
        #expect(!ECMARegex.isValidSyntax(pattern))
    }

    @Test func acceptsVariableWidthLookbehindAsSyntaxOnly() {
        #expect(ECMARegex.isValidSyntax("(?<=a+)b"))
        #expect(throws: RegexError.self) { try ECMARegex("(?<=a+)b") }
    }

    @Test func catastrophicPatternStopsAtTheMatchLimit() throws {
        let regex = try ECMARegex("^(a+)+$", matchLimit: 100_000)
        let text = String(repeating: "a", count: 30) + "b"
        #expect(regex.search(text) == .limitExceeded)
        #expect(regex.search(String(repeating: "a", count: 30)) == .match)
    }

    @Test func catastrophicPatternStopsWithTheDefaultLimit() throws {
        let regex = try ECMARegex("^(a|aa)+$")
        #expect(regex.search(String(repeating: "a", count: 60) + "b") == .limitExceeded)
    }

    @Test func repeatedGroupsMatchLongTexts() throws {
        // Each repetition of a group costs backtracking stack: 100,000 of them must still fit.
        let text = String(repeating: "ab", count: 50_000)
        for pattern in ["^(a|b)*$", "^(?:a|b)*$", "^(ab)+$", "^([ab])+?$"] {
            #expect(try ECMARegex(pattern).search(text) == .match, "\(pattern)")
        }
        #expect(try ECMARegex("^(a|b)*$").search(text + "c") == .noMatch)
    }

    @Test func hugeTextsEndBoundedNotHanging() throws {
        let text = String(repeating: "ab", count: 2_000_000)
        let outcome = try ECMARegex("^(a|b)*$").search(text)
        #expect(outcome == .match || outcome == .limitExceeded)
    }

    @Test func invalidUTF8NeverMatches() throws {
        let regex = try ECMARegex(".")
        let bytes: [UInt8] = [0xFF, 0xFE]
        #expect(bytes.withUnsafeBufferPointer { regex.search(utf8: $0) } == .noMatch)
    }

    @Test func searchesFromManyThreadsAtOnce() async throws {
        let regex = try ECMARegex("^[a-z]+-\\d{3}$")
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<200 {
                group.addTask { regex.search("abc-\(100 + i % 900)") == .match && regex.search("ABC-123") == .noMatch }
            }
            var all: [Bool] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 200 && results.allSatisfy { $0 })
    }

    @Test func errorsSayWhere() {
        do {
            _ = try ECMARegex("ab(?i)c")
            Issue.record("should have thrown")
        } catch {
            #expect(error.offset == 2)
            #expect(error.description.contains("offset 2"))
        }
    }
}
