import Testing
@testable import WokServer

/// `RequestToken`: one bearer token per request, from `Authorization` or `?token=`.
struct RequestTokenTests {
    @Test func findsTheTokenInTheHeaderOrTheQuery() {
        #expect(RequestToken.find(uri: "/push", authorization: ["Bearer abc"]) == .token("abc"))
        #expect(RequestToken.find(uri: "/push?topics=x&token=abc", authorization: []) == .token("abc"))
        #expect(RequestToken.find(uri: "/push?token=a%2Eb", authorization: []) == .token("a.b"))
        #expect(RequestToken.find(uri: "/push", authorization: []) == .none)
    }

    @Test func theSchemeIsCaseInsensitiveAndSpacesAroundTheTokenDoNotCount() {
        #expect(RequestToken.find(uri: "/", authorization: ["bearer abc"]) == .token("abc"))
        #expect(RequestToken.find(uri: "/", authorization: ["BEARER   abc  "]) == .token("abc"))
        #expect(RequestToken.find(uri: "/", authorization: ["Bearer"]) == .token(""), "an empty token, refused as missing")
    }

    @Test func anotherSchemeIsNoToken() {
        #expect(RequestToken.find(uri: "/", authorization: ["Basic YTpi"]) == .none)
        #expect(RequestToken.find(uri: "/", authorization: ["Bearerabc"]) == .none)
        #expect(RequestToken.find(uri: "/?token=abc", authorization: ["Basic YTpi"]) == .token("abc"))
    }

    @Test func theSameTokenTwiceIsThatToken() {
        #expect(RequestToken.find(uri: "/?token=abc", authorization: ["Bearer abc"]) == .token("abc"))
        #expect(RequestToken.find(uri: "/?token=abc&token=abc", authorization: []) == .token("abc"))
    }

    @Test func twoDifferentTokensAreAmbiguous() {
        #expect(RequestToken.find(uri: "/?token=abc", authorization: ["Bearer xyz"]) == .ambiguous)
        #expect(RequestToken.find(uri: "/?token=abc&token=xyz", authorization: []) == .ambiguous)
        #expect(RequestToken.find(uri: "/", authorization: ["Bearer abc", "Bearer xyz"]) == .ambiguous)
        #expect(RequestToken.find(uri: "/?token=", authorization: ["Bearer abc"]) == .ambiguous)
    }
}
