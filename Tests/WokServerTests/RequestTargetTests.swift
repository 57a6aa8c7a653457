import NIOHTTP1
import Testing
@testable import WokServer

/// `RequestTarget`: RFC 9112 section 3.2's Host rules and absolute-form targets, on request heads.
struct RequestTargetTests {
    static func head(_ uri: String = "/healthz", version: HTTPVersion = .http1_1, method: HTTPMethod = .GET,
                     hosts: [String]) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(hosts.map { ("Host", $0) }))
    }

    static func check(_ head: HTTPRequestHead) -> (problem: String?, head: HTTPRequestHead) {
        var head = head
        let problem = RequestTarget.check(&head)
        return (problem, head)
    }

    @Test(arguments: ["localhost", "wok.example:8080", "127.0.0.1:1", "[::1]:8080", "[v1.x]", "", "a%20b", "x:", "WOK.Example"])
    func aValidHostIsServedUnchanged(host: String) {
        let (problem, head) = Self.check(Self.head(hosts: [host]))
        #expect(problem == nil)
        #expect(head == Self.head(hosts: [host]))
    }

    @Test(arguments: ["local host", "a/b", "user@host", "host:80a", "[::1", "[]", "[::1]x", "a%2", "a%zz", "h\u{e9}te", "a:1:2"])
    func anInvalidHostIsRefused(host: String) {
        #expect(Self.check(Self.head(hosts: [host])).problem == "the Host header is not a valid host[:port]")
    }

    @Test func aMissingHostIsRefusedInHTTP11Only() {
        #expect(Self.check(Self.head(hosts: [])).problem == "an HTTP/1.1 request needs a Host header")
        #expect(Self.check(Self.head(version: .http1_0, hosts: [])).problem == nil)
    }

    @Test func twoHostLinesAreRefusedInAnyVersion() {
        for version in [HTTPVersion.http1_0, .http1_1] {
            #expect(Self.check(Self.head(version: version, hosts: ["a", "a"])).problem == "the Host header must be given once")
        }
        var head = Self.head(hosts: ["a"])
        head.headers.add(name: "HOST", value: "b")
        #expect(Self.check(head).problem == "the Host header must be given once")
    }

    @Test(arguments: [
        ("http://127.0.0.1:8080/push?token=x", "/push?token=x", "127.0.0.1:8080"),
        ("HTTPS://wok.example/a/b", "/a/b", "wok.example"),
        ("http://wok.example", "/", "wok.example"),
        ("http://wok.example?x=1", "/?x=1", "wok.example"),
        ("http://[::1]:80/", "/", "[::1]:80"),
    ])
    func anAbsoluteFormTargetIsRewrittenToItsPathWithItsAuthorityAsHost(target: String, path: String, authority: String) {
        for hosts in [[], ["other"], ["a", "b"], ["bad host"]] {
            let (problem, head) = Self.check(Self.head(target, hosts: hosts))
            #expect(problem == nil)
            #expect(head.uri == path)
            #expect(head.headers["host"] == [authority])
        }
    }

    @Test(arguments: ["http:///x", "http://:80/x", "http://u@h/x", "ftp://h/x", "h/x", "http:/h/x", "http://h#f", "http://a b/"])
    func aTargetThatIsNeitherAPathNorAnHTTPURIIsRefused(target: String) {
        #expect(Self.check(Self.head(target, hosts: ["h"])).problem != nil)
    }

    @Test func asteriskAndConnectTargetsAreLeftAlone() {
        #expect(Self.check(Self.head("*", method: .OPTIONS, hosts: ["h"])) == (nil, Self.head("*", method: .OPTIONS, hosts: ["h"])))
        let connect = Self.head("h:443", method: .CONNECT, hosts: ["h:443"])
        #expect(Self.check(connect).problem == nil && Self.check(connect).head == connect)
    }
}
