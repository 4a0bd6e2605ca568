import Domain
import Foundation
import Testing
@testable import SigningCore

/// Who may make a signer's key (issue 11, item 8): an admin, or the signer themself in their own role
/// (the gateway's ActivateSigningKey asks as the signer); nobody else.
@Suite("Signing: a signer registers their own key", .timeLimit(.minutes(5)))
struct SelfRegistrationTests {
    static func signer(_ id: String, role: String) -> PublishedSigner {
        PublishedSigner(id: id, name: "Drs. Bambang Camat", nip: "196801011990031001", position: "Camat Sooko", role: role)
    }

    @Test("the signer themself may register their key; the key signs")
    func selfRegistration() async throws {
        let harness = try SigningHarness()
        let answer = try await harness.service.registerSigner(RegisterSignerRequest(
            requestId: "self-1", signer: Self.signer(harness.camat.actorId, role: "camat"), passphrase: SigningHarness.camatPassphrase),
            caller: harness.camat)
        #expect(answer.signer.id == harness.camat.actorId && answer.key.publicKey.count == 32)
    }

    @Test("another non-admin may not register a key for someone else, nor for themself in another role")
    func othersRefused() async throws {
        let harness = try SigningHarness()
        for (caller, signer) in [(harness.sekretaris, Self.signer(harness.camat.actorId, role: "camat")),
                                 (harness.clerk, Self.signer(harness.clerk.actorId, role: "camat"))] {
            let error = await #expect(throws: SigningError.self) {
                _ = try await harness.service.registerSigner(RegisterSignerRequest(
                    requestId: "other-\(caller.actorId)", signer: signer, passphrase: SigningHarness.camatPassphrase), caller: caller)
            }
            #expect(error?.code == .permissionDenied, "\(String(describing: error))")
        }
    }
}
