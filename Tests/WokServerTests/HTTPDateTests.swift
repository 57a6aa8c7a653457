import Testing
@testable import WokServer

/// The `Date` header of answers served on the event loop (RFC 9110's IMF-fixdate).
struct HTTPDateTests {
    @Test(arguments: [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),  // RFC 9110's own example
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_798_761_599, "Thu, 31 Dec 2026 23:59:59 GMT"),
    ])
    func formatsIMFFixdate(seconds: Int, expected: String) {
        #expect(HTTPDate.format(seconds) == expected)
    }

    @Test func nowIsTheCurrentSecond() {
        var date = HTTPDate()
        let first = date.now()
        #expect(first.hasSuffix(" GMT"))
        #expect(first.count == 29)
    }
}
