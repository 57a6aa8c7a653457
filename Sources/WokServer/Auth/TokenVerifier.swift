import Foundation
import JWTKit

/// Turns a bearer token into an ``AccessGrant``: HS256 JWT with `exp`, checked against the
/// configured secret. Without a secret every request gets ``AccessGrant/open``.
///
/// Refused: a header whose `alg` is not exactly `HS256` or that has `crit` (``TokenHeader``), a
/// bad signature, no `exp` or `exp` at or before now, `nbf` after now (``WokClaims``).
package struct TokenVerifier: Sendable {
    /// Why a token was refused.
    package enum Failure: Error, Sendable, Equatable {
        /// A secret is configured and no token was given.
        case missing
        /// The token does not verify: bad signature, expired, malformed claims.
        case invalid(String)
        /// The request carries two different tokens (`Authorization` and `?token=`, or one of
        /// them twice): RFC 6750 section 2 allows one method per request.
        case ambiguous
    }

    private let keys: JWTKeyCollection?

    /// Whether the router runs without auth.
    package var isOpen: Bool { keys == nil }

    /// - Parameter secret: the HS256 secret, or nil to run open.
    package init(secret: String?) async {
        if let secret {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            self.keys = keys
        } else {
            self.keys = nil
        }
    }

    /// The grant for `token` and the token's `exp` (nil when the router runs open).
    package func verify(token: String?) async -> Result<(grant: AccessGrant, expires: Date?), Failure> {
        guard let keys else { return .success((.open, nil)) }
        guard let token, !token.isEmpty else { return .failure(.missing) }
        if let problem = TokenHeader.problem(token) { return .failure(.invalid(problem)) }
        do {
            let claims = try await keys.verify(token, as: WokClaims.self)
            return .success((AccessGrant(claims: claims), claims.exp.value))
        } catch {
            return .failure(.invalid("\(error)"))
        }
    }
}
