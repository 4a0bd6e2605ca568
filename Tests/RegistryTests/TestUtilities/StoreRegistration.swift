import Crypto
import Domain
import Foundation
import RegistryCore
import Wire
@testable import RegistryServer

extension OfficeFixture {
    /// Numbers `request` through the store alone, as the server would but without the final PDF: the
    /// numbering transaction commits, then "the process dies" before the server renders. With
    /// `storingReply` the registration carries Register's exactly-once keys, so its reply is stored.
    func numberWithoutPDF(_ request: RegistryAPI.RegisterRequest, signer: TestSigner,
                          storingReply: Bool = false) async throws -> RegistrationOutcome {
        guard let record = request.signature, let letterId = UUID(uuidString: request.letterID) else {
            throw RegistryError.invalidArgument("letter_id", "the test request needs a letter id and a signature")
        }
        let digest = Data(SHA256.hash(data: request.content))
        var registration = try RegistryService.registration(
            requestID: request.requestID, letterId: letterId,
            content: try ProtobufDecoder().decode(LetterContent.self, from: request.content), contentBytes: request.content,
            digest: digest, record: record, envelope: try SigningEnvelope(canonicalBytes: record.envelope),
            signerName: "Drs. Camat Sooko", signerPublicKey: Array(signer.publicKey), unit: "", remarks: "", registeredBy: "staf-1")
        if storingReply {
            registration.exactlyOnce = try RegistryService.exactlyOnce(request, letterId: letterId, contentDigest: digest, actorID: "staf-1")
        }
        return try await application.store.register(registration)
    }
}
