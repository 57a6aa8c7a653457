import Foundation
import JWTKit
import WokServer

/// Signs test tokens with the test secret.
enum Tokens {
    static let secret = "test-secret-of-at-least-32-bytes-long"

    static func make(topics: [String]? = nil, pub: Bool? = nil, expiresIn: TimeInterval = 600, secret: String = secret) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(WokClaims(exp: .init(value: Date().addingTimeInterval(expiresIn)), topics: topics, pub: pub))
    }
}
