import Crypto
import Foundation
import JWTKit
import Testing
@testable import WokServer

/// `TokenVerifier`: HS256 only, `exp` required, `nbf` honoured.
struct TokenVerifierTests {
    static let secret = Tokens.secret

    /// A token with `header` and `payload`, signed HS256 with `secret` whatever the header says.
    static func forge(header: String, payload: String, secret: String = secret) -> String {
        let signingInput = base64URL(Array(header.utf8)) + "." + base64URL(Array(payload.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return signingInput + "." + base64URL(Array(mac))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func payload(_ extra: String = "") -> String {
        #"{"exp":\#(Int(Date().timeIntervalSince1970) + 600),"topics":["wok.>"]\#(extra)}"#
    }

    func verifies(_ token: String) async -> Bool {
        let verifier = await TokenVerifier(secret: Self.secret)
        if case .success = await verifier.verify(token: token) { return true }
        return false
    }

    @Test func anHS256TokenVerifies() async {
        #expect(await verifies(Self.forge(header: #"{"alg":"HS256","typ":"JWT"}"#, payload: Self.payload())))
    }

    @Test(arguments: [
        #"{"alg":"none"}"#, #"{"alg":"RS256"}"#, #"{"alg":"HS512"}"#, #"{"alg":"hs256"}"#, #"{"typ":"JWT"}"#,
        #"{"alg":"HS256","crit":["exp"]}"#, #"["HS256"]"#,
    ])
    func aHeaderNotSayingExactlyHS256IsRefusedEvenWithAGoodSignature(header: String) async {
        #expect(await verifies(Self.forge(header: header, payload: Self.payload())) == false)
    }

    @Test func aTokenIsRefusedBeforeItsNotBeforeTime() async {
        let now = Int(Date().timeIntervalSince1970)
        let header = #"{"alg":"HS256"}"#
        #expect(await verifies(Self.forge(header: header, payload: Self.payload(#","nbf":\#(now + 3600)"#))) == false)
        #expect(await verifies(Self.forge(header: header, payload: Self.payload(#","nbf":\#(now - 5)"#))))
    }

    @Test func aTokenWithoutExpOrPastItIsRefused() async {
        let header = #"{"alg":"HS256"}"#
        #expect(await verifies(Self.forge(header: header, payload: #"{"topics":["wok.>"]}"#)) == false)
        let past = Int(Date().timeIntervalSince1970) - 1
        #expect(await verifies(Self.forge(header: header, payload: #"{"exp":\#(past),"topics":["wok.>"]}"#)) == false)
    }
}
