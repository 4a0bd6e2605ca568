import Domain
import Foundation
import Hummingbird

// The signer's own signing key (issue 11, item 8): an admin registers a signer without a key; the
// signer, signed in as themself, makes it here under a passphrase only they know (the gateway's
// ActivateSigningKey). The passphrase goes to the gateway once and is never kept or logged.
extension WebApp {
    func addSigningKeyRoutes(_ router: Router<Context>) {
        router.get("/kunci") { request, _ in await guarded { try await signingKeyPage(request) } }
        router.post("/kunci") { request, _ in await guarded { try await activateSigningKey(request) } }
    }

    func signingKeyPage(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        return await page("Kunci tanda tangan", "signingKey", [:], session: session)
    }

    func activateSigningKey(_ request: Request) async throws -> Response {
        let session = try await requireSession(request)
        let form = try await requireForm(request, session)
        let passphrase = form["passphrase"] ?? ""
        guard passphrase == form["confirm_passphrase"] else {
            return await page("Kunci tanda tangan", "signingKey", [:], session: session, status: .badRequest,
                              flash: Flash(kind: .error, text: "Kedua isian frasa sandi tidak sama. Ketik ulang."))
        }
        let info: GatewayAPI.SignerInfo
        do {
            info = try await call(GatewayAPI.activateSigningKey,
                                  GatewayAPI.ActivateSigningKeyRequest(requestID: Self.newRequestID(), passphrase: passphrase), session)
        } catch let error as FriendlyError {
            return await page("Kunci tanda tangan", "signingKey", [:], session: session, status: .badRequest,
                              flash: Flash(kind: .error, text: error.text), detail: error.detail)
        }
        logger.info("signing key activated by its signer", metadata: ["user.id": .string(session.userID), "key.id": .string(info.keyID)])
        return await page("Kunci tanda tangan", "signingKey", ["activated": ["keyID": info.keyID, "position": info.position]],
                          session: session, flash: Flash(kind: .ok, text: "Kunci tanda tangan Anda sudah aktif."))
    }
}
