import Foundation

/// Turns a request's credentials into an ``AccessGrant``, for push upgrades and HTTP requests alike.
///
/// Open on the trusted UNIX listener or without `auth_secret`; else the grant of the request's
/// token (`Authorization: Bearer` or `?token=`), verified once by jwt-kit (asynchronously: its key
/// collection is an actor) and then remembered until the token's `exp` (``VerifiedTokenCache``), so
/// that later requests carrying it are decided on the event loop without a task.
final class GrantResolver: Sendable {
    let verifier: TokenVerifier
    /// Tokens verified recently.
    let verifiedTokens: VerifiedTokenCache

    /// The most verified tokens remembered (a few hundred bytes each).
    static let defaultCapacity = 4096

    init(verifier: TokenVerifier, capacity: Int = GrantResolver.defaultCapacity) {
        self.verifier = verifier
        self.verifiedTokens = VerifiedTokenCache(capacity: capacity)
    }

    /// The grant when it can be decided without verifying a signature: open (trusted listener, or
    /// no secret), or a token verified recently and not expired. Nil when a token must be verified
    /// (or the request must be refused).
    /// - Parameter authorization: every `Authorization` value of the request.
    func grantWithoutVerifying(uri: String, authorization: [String], trusted: Bool) -> AccessGrant? {
        if trusted || verifier.isOpen { return .open }
        guard case .token(let token) = RequestToken.find(uri: uri, authorization: authorization) else { return nil }
        return verifiedTokens.grant(for: token)
    }

    /// The grant of a request, verifying its token when it was not verified recently.
    func grant(uri: String, authorization: [String], trusted: Bool) async -> Result<AccessGrant, TokenVerifier.Failure> {
        if let grant = grantWithoutVerifying(uri: uri, authorization: authorization, trusted: trusted) { return .success(grant) }
        let token: String?
        switch RequestToken.find(uri: uri, authorization: authorization) {
        case .ambiguous: return .failure(.ambiguous)
        case .none: token = nil
        case .token(let found): token = found
        }
        switch await verifier.verify(token: token) {
        case .success(let (grant, expires)):
            if let token, let expires { verifiedTokens.insert(token, grant: grant, expires: expires) }
            return .success(grant)
        case .failure(let failure):
            return .failure(failure)
        }
    }
}
