import Testing
import WokJSON
@testable import WokSchema

@Suite struct FormatTests {
    private func valid(_ format: String, _ text: String, _ draft: Draft = .draft2020_12) -> Bool? {
        FormatChecker.check(format, .string(text), draft: draft)
    }

    @Test func unknownFormatsAreNil() {
        #expect(valid("no-such-format", "x") == nil)
        #expect(valid("uuid", "x", .draft7) == nil)          // uuid came with 2019-09
        #expect(valid("duration", "x", .draft7) == nil)
        #expect(valid("regex", "(", .draft4) == nil)         // regex is not a draft-04 format
        #expect(valid("color", "red", .draft4) == nil)       // color is draft-03 only
        #expect(valid("color", "red", .draft3) == true)
    }

    @Test func nonStringsAreValid() {
        for value: JSON in [12, 1.5, true, nil, [], [:]] {
            #expect(FormatChecker.check("email", value, draft: .draft2020_12) == true)
        }
    }

    @Test func dateTimeFollowsRFC3339() {
        #expect(valid("date-time", "2026-11-28T22:00:00.123Z") == true)
        #expect(valid("date-time", "2026-11-28t22:00:00+01:00") == true)
        #expect(valid("date-time", "2026-02-29T22:00:00Z") == false)
        #expect(valid("date-time", "2024-02-29T22:00:00Z") == true)
        #expect(valid("date-time", "2026-11-28 22:00:00Z") == false)
        #expect(valid("date-time", "1998-12-31T23:59:60Z") == true)
        #expect(valid("date-time", "1998-12-31T23:58:60Z") == false)
        #expect(valid("time", "15:59:60-08:00") == true)
        #expect(valid("time", "12:00:00") == false)
        #expect(valid("time", "12:00:00", .draft3) == true)
        #expect(valid("date", "1900-02-29") == false)
        #expect(valid("date", "2000-02-29") == true)
    }

    @Test func durationFollowsTheRFC3339Grammar() {
        for ok in ["P1Y2M3DT4H5M6S", "P2W", "PT36H", "P1M2D", "PT1M2S"] { #expect(valid("duration", ok) == true, "\(ok)") }
        for bad in ["P", "PT", "P1Y2D", "PT1H2S", "P1D2H", "P0.5D", "-P1D", "P1Y2W"] { #expect(valid("duration", bad) == false, "\(bad)") }
    }

    @Test func ipAddresses() {
        #expect(valid("ipv4", "192.168.0.1") == true)
        #expect(valid("ipv4", "192.168.0.01") == false)
        #expect(valid("ipv4", "256.1.1.1") == false)
        #expect(valid("ip-address", "10.0.0.1", .draft3) == true)
        #expect(valid("ipv6", "::ffff:192.168.0.1") == true)
        #expect(valid("ipv6", "1::2::3") == false)
        #expect(valid("ipv6", "fe80::1%eth0") == false)
    }

    @Test func hostnamesAndPunycode() {
        #expect(valid("hostname", "wok.example.com") == true)
        #expect(valid("hostname", "wok_router.example") == false)
        #expect(valid("hostname", "xn--9n2bp8q.xn--9t4b11yi5a") == true)
        #expect(valid("hostname", "xn--X") == false)
        #expect(valid("idn-hostname", "실례.테스트") == true)
        #expect(valid("idn-hostname", "l·l") == true)
        #expect(valid("idn-hostname", "a·l") == false)
        #expect(Punycode.encode(Array("실례".unicodeScalars)) == "9n2bp8q")
        #expect(Punycode.decode("9n2bp8q").map { String(String.UnicodeScalarView($0)) } == "실례")
    }

    @Test func emails() {
        #expect(valid("email", "joe.bloggs@example.com") == true)
        #expect(valid("email", "\"joe bloggs\"@example.com") == true)
        #expect(valid("email", "joe@[IPv6:::1]") == true)
        #expect(valid("email", "joe..bloggs@example.com") == false)
        #expect(valid("email", "δοκιμή@example.com") == false)
        #expect(valid("idn-email", "δοκιμή@example.com") == true)
    }

    @Test func urisAndTemplates() {
        #expect(valid("uri", "https://wok.example/notifications?after=3#x") == true)
        #expect(valid("uri", "/relative") == false)
        #expect(valid("uri-reference", "/relative") == true)
        #expect(valid("uri", "http://example.com/%zz") == false)
        #expect(valid("iri", "http://ƒøø.ßår/") == true)
        #expect(valid("uri", "http://ƒøø.ßår/") == false)
        #expect(valid("uri-template", "/vms/{id}{?fields*}") == true)
        #expect(valid("uri-template", "/vms/{id") == false)
    }

    @Test func pointersUUIDsAndRegexes() {
        #expect(valid("json-pointer", "/a~1b/0") == true)
        #expect(valid("json-pointer", "a/b") == false)
        #expect(valid("relative-json-pointer", "1/a") == true)
        #expect(valid("relative-json-pointer", "01/a") == false)
        #expect(valid("uuid", "2eb8aa08-aa98-11ea-b4aa-73b441d16380") == true)
        #expect(valid("uuid", "2eb8aa08aa9811eab4aa73b441d16380") == false)
        #expect(valid("regex", "^[a-z]+$") == true)
        #expect(valid("regex", "(?i)abc") == false)
    }
}
