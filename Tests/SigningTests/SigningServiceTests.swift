import Crypto
import Domain
import Foundation
import GRDB
import Logging
import Testing
@testable import SigningCore

@Suite("Signing service: steps 4 and 5, keys, delegations, verification", .timeLimit(.minutes(10)))
struct SigningServiceTests {
    @Test("sign and verify round trip, independently of the service")
    func roundTrip() async throws {
        let harness = try SigningHarness()
        let registration = try await harness.registerCamat()
        let content = SigningHarness.content()
        let upload = try await harness.upload(content: content)
        #expect(upload.state == .awaitingSignature)
        #expect(upload.revisionDigest == (try content.digest()))

        let signature = try await harness.sign(upload)
        #expect(signature.fields.letterId == "letter-1")
        #expect(signature.fields.signerId == "camat-1")
        #expect(signature.fields.keyId == registration.key.keyId)
        #expect(signature.fields.signedAtUnixMillis == SigningHarness.start)
        #expect(signature.fields.onBehalfOf.isEmpty)
        #expect(Array(signature.envelope) == signature.fields.canonicalBytes())

        // Plain Ed25519 over the envelope bytes with the published key, no service code involved.
        let published = try await harness.service.listPublicKeys(ListPublicKeysRequest())
        let key = try #require(published.keys.first { $0.keyId == signature.fields.keyId })
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: key.publicKey)
        #expect(publicKey.isValidSignature(signature.signature, for: signature.envelope))

        let verified = try await harness.service.verify(VerifyRequest(signatureId: signature.signatureId, content: content))
        #expect(verified.valid, "\(verified.checks)")
        #expect(verified.checks.map(\.name) == ["envelope", "key", "signature", "key_validity", "signer", "content"])
        #expect(verified.summary.hasPrefix("valid: letter letter-1 signed by Drs. Bambang Camat"))

        let stored = try await harness.service.signingRequest(GetSigningRequestRequest(letterId: "letter-1"))
        #expect(stored.state == .signed)
        #expect(stored.signature?.signatureId == signature.signatureId)
        #expect(stored.content == content)
    }

    @Test("tampered content, tampered envelope and a forged signature fail verification")
    func tampering() async throws {
        let harness = try SigningHarness()
        try await harness.registerCamat()
        let upload = try await harness.upload()
        let signature = try await harness.sign(upload)

        let changed = SigningHarness.content(subject: "Undangan rapat koordinasi (diubah)")
        let changedResult = try await harness.service.verify(VerifyRequest(signatureId: signature.signatureId, content: changed))
        #expect(!changedResult.valid)
        #expect(changedResult.checks.first { $0.name == "content" }?.passed == false)
        #expect(changedResult.checks.first { $0.name == "signature" }?.passed == true)

        let otherLetter = try await harness.service.verify(VerifyRequest(signatureId: signature.signatureId, letterId: "letter-2"))
        #expect(!otherLetter.valid)
        #expect(otherLetter.firstProblem?.name == "letter")
        let byDigest = try await harness.service.verify(VerifyRequest(signatureId: signature.signatureId,
                                                                      contentDigest: try SigningHarness.content().digest(), letterId: "letter-1"))
        #expect(byDigest.valid)

        var envelope = signature.fields
        envelope.letterId = "letter-2"
        let moved = try await harness.service.verify(VerifyRequest(envelope: Data(envelope.canonicalBytes()), signature: signature.signature))
        #expect(!moved.valid)
        #expect(moved.firstProblem?.name == "signature")

        var flipped = signature.signature
        flipped[0] ^= 0x01
        let forged = try await harness.service.verify(VerifyRequest(envelope: signature.envelope, signature: flipped))
        #expect(!forged.valid)
        #expect(forged.firstProblem?.name == "signature")
    }

    @Test("a signature checked against the wrong key fails")
    func wrongKey() async throws {
        let harness = try SigningHarness()
        try await harness.registerCamat()
        let other = try await harness.registerSekretaris()
        let signature = try await harness.sign(try await harness.upload())

        // The envelope names the Camat's key; claiming the Sekretaris' key breaks both key and signature checks.
        var envelope = signature.fields
        envelope.keyId = other.key.keyId
        let report = try await harness.service.verify(VerifyRequest(envelope: Data(envelope.canonicalBytes()), signature: signature.signature))
        #expect(!report.valid)
        #expect(report.checks.first { $0.name == "key" }?.passed == false)
        #expect(report.checks.first { $0.name == "signature" }?.passed == false)

        // Offline: a verifier holding a different public key under the Camat's key id rejects it.
        let published = try await harness.service.listPublicKeys(ListPublicKeysRequest())
        var keys = published.keys
        let index = try #require(keys.firstIndex { $0.keyId == signature.fields.keyId })
        keys[index].publicKey = other.key.publicKey
        let offline = SignatureVerifier(signers: published.signers, keys: keys, delegations: published.delegations)
            .verify(envelopeBytes: signature.envelope, signature: signature.signature)
        #expect(!offline.valid)
        #expect(offline.firstProblem?.name == "key")
    }

    @Test("revoked key: no new signatures; earlier ones stay valid; a backdated revocation invalidates later ones")
    func revokedKey() async throws {
        let harness = try SigningHarness()
        let registration = try await harness.registerCamat()
        let early = try await harness.sign(try await harness.upload(letterId: "early"))
        harness.clock.advance(seconds: 3600)
        let late = try await harness.sign(try await harness.upload(letterId: "late"))
        harness.clock.advance(seconds: 3600)

        await expectSigningError(.permissionDenied, containing: "admin") {
            try await harness.service.revokeKey(RevokeKeyRequest(requestId: "r", keyId: registration.key.keyId, reason: "x"), caller: harness.camat)
        }
        // Compromised since 30 minutes after the first signature.
        let revoked = try await harness.service.revokeKey(RevokeKeyRequest(
            requestId: "revoke-1", keyId: registration.key.keyId, reason: "laptop stolen",
            effectiveAtUnixMillis: SigningHarness.start + 30 * 60_000), caller: harness.admin)
        #expect(revoked.key.revokedAtUnixMillis == SigningHarness.start + 30 * 60_000)

        #expect(try await harness.service.verify(VerifyRequest(signatureId: early.signatureId)).valid)
        let lateReport = try await harness.service.verify(VerifyRequest(signatureId: late.signatureId))
        #expect(!lateReport.valid)
        #expect(lateReport.firstProblem?.name == "key_validity")
        #expect(lateReport.firstProblem?.detail.contains("revoked") == true)

        let next = try await harness.upload(letterId: "after")
        await expectSigningError(.failedPrecondition, containing: "no usable key") { try await harness.sign(next) }

        // The erased private key is gone from the row.
        let sealed = try await harness.database.read { db in
            try Data?.fetchOne(db, sql: "SELECT sealed_private_key FROM signing_key WHERE key_id = ?", arguments: [registration.key.keyId]) ?? nil
        }
        #expect(sealed == nil)
    }

    @Test("rotation: old signatures stay verifiable, new ones use the new key")
    func rotation() async throws {
        let harness = try SigningHarness()
        let registration = try await harness.registerCamat()
        let before = try await harness.sign(try await harness.upload(letterId: "before"))
        harness.clock.advance(seconds: 60)
        let rotated = try await harness.service.rotateKey(RotateKeyRequest(requestId: "rot-1", signerId: "camat-1",
                                                                          newPassphrase: "passphrase-baru-2026"), caller: harness.admin)
        #expect(rotated.oldKey.keyId == registration.key.keyId)
        #expect(rotated.oldKey.validUntilUnixMillis == SigningHarness.start + 60_000)
        #expect(rotated.newKey.keyId != registration.key.keyId)
        let again = try await harness.service.rotateKey(RotateKeyRequest(requestId: "rot-1", signerId: "camat-1",
                                                                        newPassphrase: "passphrase-baru-2026"), caller: harness.admin)
        #expect(again == rotated)

        let upload = try await harness.upload(letterId: "after")
        await expectSigningError(.permissionDenied, containing: "wrong passphrase") { try await harness.sign(upload) }
        let after = try await harness.sign(upload, passphrase: "passphrase-baru-2026", requestId: "sign-after-2")
        #expect(after.fields.keyId == rotated.newKey.keyId)
        #expect(try await harness.service.verify(VerifyRequest(signatureId: before.signatureId)).valid)
        #expect(try await harness.service.verify(VerifyRequest(signatureId: after.signatureId)).valid)

        // An envelope claiming the old key after its rotation is outside the key's validity.
        let keys = try await harness.service.listPublicKeys(ListPublicKeysRequest(signerId: "camat-1")).keys
        #expect(keys.map(\.keyId) == [registration.key.keyId, rotated.newKey.keyId])
        #expect(keys[0].validityProblem(atUnixMillis: after.fields.signedAtUnixMillis) != nil)
    }

    @Test("acting official: signs on behalf of the Camat within the period, refused after it")
    func delegation() async throws {
        let harness = try SigningHarness()
        try await harness.registerCamat()
        try await harness.registerSekretaris()
        let upload = try await harness.upload()

        // Without a delegation the Sekretaris may not sign.
        await expectSigningError(.permissionDenied, containing: "holds no delegation") {
            try await harness.sign(upload, as: harness.sekretaris, passphrase: SigningHarness.sekretarisPassphrase)
        }
        await expectSigningError(.permissionDenied, containing: "admin") {
            try await harness.service.createDelegation(CreateDelegationRequest(requestId: "d", fromSignerId: "camat-1", toSignerId: "sekcam-1",
                                                                               kind: .plh, validUntilUnixMillis: SigningHarness.start + 1), caller: harness.camat)
        }
        await expectSigningError(.failedPrecondition, containing: "not a Camat") {
            try await harness.service.createDelegation(CreateDelegationRequest(requestId: "d0", fromSignerId: "sekcam-1", toSignerId: "camat-1",
                                                                               kind: .plh, validUntilUnixMillis: SigningHarness.start + 1), caller: harness.admin)
        }
        let delegation = try await harness.service.createDelegation(CreateDelegationRequest(
            requestId: "dlg-1", fromSignerId: "camat-1", toSignerId: "sekcam-1", kind: .plh,
            validFromUnixMillis: SigningHarness.start, validUntilUnixMillis: SigningHarness.start + 3 * 86_400_000,
            reference: "800/12/416-313/2025"), caller: harness.admin).delegation

        let signature = try await harness.sign(upload, as: harness.sekretaris, passphrase: SigningHarness.sekretarisPassphrase)
        #expect(signature.fields.signerId == "sekcam-1")
        #expect(signature.fields.onBehalfOf == "camat-1")
        #expect(signature.fields.delegationId == delegation.delegationId)
        #expect(signature.delegationKind == .plh)
        let report = try await harness.service.verify(VerifyRequest(signatureId: signature.signatureId))
        #expect(report.valid, "\(report.checks)")
        #expect(report.summary.contains("as Plh on behalf of Drs. Bambang Camat"))

        // After the period: refused, and the message says the delegation expired.
        harness.clock.advance(seconds: 3 * 86_400)
        let second = try await harness.upload(letterId: "letter-2")
        await expectSigningError(.permissionDenied, containing: "expired") {
            try await harness.sign(second, as: harness.sekretaris, passphrase: SigningHarness.sekretarisPassphrase)
        }
        // An envelope claiming the delegation after its end does not verify offline either.
        var late = signature.fields
        late.signedAtUnixMillis = SigningHarness.start + 3 * 86_400_000
        let published = try await harness.service.listPublicKeys(ListPublicKeysRequest())
        let offline = published.verifier.verify(envelopeBytes: Data(late.canonicalBytes()), signature: signature.signature)
        #expect(offline.checks.first { $0.name == "delegation" }?.passed == false)
    }

    @Test("wrong roles: signer without authority, caller without the camat role, non-clerk upload")
    func wrongRoles() async throws {
        let harness = try SigningHarness()
        try await harness.registerCamat()
        try await harness.registerSekretaris()
        let upload = try await harness.upload()

        // The Camat's own key, but the gateway says the acting user is a clerk.
        let clerkAsCamat = SigningCaller(actorId: "camat-1", actorRole: "staf_umum")
        await expectSigningError(.permissionDenied, containing: "needs role camat") { try await harness.sign(upload, as: clerkAsCamat) }
        // Someone else naming the Camat as signer.
        await expectSigningError(.permissionDenied, containing: "signer themself") {
            try await harness.service.sign(SignRequest(requestId: "x", signingRequestId: upload.signingRequestId, signerId: "camat-1",
                                                       passphrase: SigningHarness.camatPassphrase), caller: harness.sekretaris)
        }
        // Not a registered signer at all.
        await expectSigningError(.permissionDenied, containing: "not a registered signer") {
            try await harness.sign(upload, as: SigningCaller(actorId: "nobody", actorRole: "camat"))
        }
        // Upload is the clerk's step.
        let (drafter, sekretaris) = try SigningHarness.parafs(for: SigningHarness.content())
        await expectSigningError(.permissionDenied, containing: "step 4") {
            try await harness.service.upload(UploadForSignatureRequest(requestId: "u", letterId: "l", content: SigningHarness.content(),
                                                                       drafterParaf: drafter, sekretarisParaf: sekretaris), caller: harness.camat)
        }
        await expectSigningError(.permissionDenied, containing: "admin") {
            try await harness.service.registerSigner(RegisterSignerRequest(requestId: "r", signer: PublishedSigner(id: "x"), passphrase: "12345678"),
                                                     caller: harness.camat)
        }
    }

    @Test("upload needs both parafs on exactly the uploaded revision")
    func uploadNeedsBothParafs() async throws {
        let harness = try SigningHarness()
        let content = SigningHarness.content()
        let (drafter, sekretaris) = try SigningHarness.parafs(for: content)
        func upload(_ drafter: Paraf?, _ sekretaris: Paraf?, digest: Data = Data()) async throws -> SigningRequestRecord {
            try await harness.service.upload(UploadForSignatureRequest(requestId: UUID().uuidString, letterId: "letter-1", content: content,
                                                                       revisionDigest: digest, drafterParaf: drafter, sekretarisParaf: sekretaris),
                                             caller: harness.clerk)
        }
        await expectSigningError(.failedPrecondition, containing: "sekretaris_paraf") { try await upload(drafter, nil) }
        await expectSigningError(.failedPrecondition, containing: "drafter_paraf") { try await upload(nil, sekretaris) }
        var swapped = sekretaris
        swapped.role = "drafter"
        await expectSigningError(.failedPrecondition, containing: "needs role sekretaris") { try await upload(drafter, swapped) }
        var older = sekretaris
        older.revisionDigest = try SigningHarness.content(subject: "versi lama").digest()
        await expectSigningError(.failedPrecondition, containing: "not on the uploaded revision") { try await upload(drafter, older) }
        await expectSigningError(.invalidArgument, containing: "revision_digest") { try await upload(drafter, sekretaris, digest: Data(count: 32)) }
        var bad = content
        bad.subject = ""
        await expectSigningError(.invalidArgument, containing: "content.subject") {
            try await harness.service.upload(UploadForSignatureRequest(requestId: "bad", letterId: "l", content: bad,
                                                                       drafterParaf: drafter, sekretarisParaf: sekretaris), caller: harness.clerk)
        }
        let ok = try await upload(drafter, sekretaris, digest: try content.digest())
        #expect(ok.drafterParaf == drafter)
        // The same upload by the same clerk under a new request id is the same step (natural key): its first answer.
        let again = try await upload(drafter, sekretaris)
        #expect(again.signingRequestId == ok.signingRequestId)
        // Someone else uploading the same revision is not a replay of the clerk's step.
        let otherClerk = SigningCaller(actorId: "staf-2", actorRole: "staf_umum", actorName: "Staf Umum 2")
        await expectSigningError(.alreadyExists, containing: ok.signingRequestId) {
            try await harness.service.upload(UploadForSignatureRequest(requestId: "other-clerk", letterId: "letter-1", content: content,
                                                                       drafterParaf: drafter, sekretarisParaf: sekretaris),
                                             caller: otherClerk)
        }
        let uploads = try await harness.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signing_request") }
        #expect(uploads == 1)
    }

    @Test("wrong passphrase is PERMISSION_DENIED, and never signs")
    func wrongPassphrase() async throws {
        let harness = try SigningHarness()
        try await harness.registerCamat()
        let upload = try await harness.upload()
        await expectSigningError(.permissionDenied, containing: "wrong passphrase for signer camat-1; 4 attempt(s) left") {
            try await harness.sign(upload, passphrase: "tebakan-salah")
        }
        let stored = try await harness.service.signingRequest(GetSigningRequestRequest(signingRequestId: upload.signingRequestId))
        #expect(stored.state == .awaitingSignature)
        // A failed attempt stores no result: the same request id with the right passphrase signs.
        let signature = try await harness.sign(upload)
        #expect(signature.fields.signerId == "camat-1")
        let events = try await harness.database.read { db in try String.fetchAll(db, sql: "SELECT event FROM security_event ORDER BY seq") }
        #expect(events == ["key_created", "wrong_passphrase"])
    }

    @Test("repeated wrong passphrases lock the signer out, even for the right one, until the window passes")
    func rateLimit() async throws {
        let harness = try SigningHarness()
        try await harness.registerCamat()
        let upload = try await harness.upload()
        for attempt in 1...4 {
            await expectSigningError(.permissionDenied, containing: "\(5 - attempt) attempt(s) left") {
                try await harness.sign(upload, passphrase: "salah-\(attempt)-xx")
            }
            harness.clock.advance(seconds: 10)
        }
        let lockedUntil = harness.clock.now + 15 * 60_000
        await expectSigningError(.resourceExhausted, containing: "locked until") { try await harness.sign(upload, passphrase: "salah-5-xxx") }
        // Locked out: the right passphrase is refused without being tried.
        do {
            _ = try await harness.sign(upload)
            Issue.record("signed while locked out")
        } catch let error as SigningError {
            #expect(error.code == .resourceExhausted)
            #expect(error.retryAfterUnixMillis == lockedUntil)
        }
        // A restart does not reset the lockout: it is in the database.
        let restarted = SigningService(database: harness.database, policy: SigningHarness.testPolicy(), clock: harness.clock.clock,
                                       logger: Logger(label: "restarted"))
        await expectSigningError(.resourceExhausted) {
            try await restarted.sign(SignRequest(requestId: "r2", signingRequestId: upload.signingRequestId,
                                                 passphrase: SigningHarness.camatPassphrase), caller: harness.camat)
        }
        harness.clock.advance(seconds: 15 * 60)
        let signature = try await harness.sign(upload)
        #expect(signature.fields.signedAtUnixMillis == harness.clock.now)
        // Failures spread beyond the window do not add up.
        let second = try await harness.upload(letterId: "letter-2")
        for attempt in 1...6 {
            await expectSigningError(.permissionDenied, containing: "4 attempt(s) left") {
                try await harness.sign(second, passphrase: "salah-\(attempt)-yy")
            }
            harness.clock.advance(seconds: 16 * 60)
        }
    }

    @Test("parallel wrong guesses cannot exceed the limit")
    func parallelGuesses() async throws {
        let harness = try SigningHarness()
        try await harness.registerCamat()
        let upload = try await harness.upload()
        let codes = await withTaskGroup(of: SigningError.Code?.self) { group in
            for attempt in 0..<12 {
                group.addTask {
                    do {
                        _ = try await harness.sign(upload, passphrase: "tebakan-\(attempt)", requestId: "guess-\(attempt)")
                        return nil
                    } catch let error as SigningError {
                        return error.code
                    } catch {
                        return .internalError
                    }
                }
            }
            var codes: [SigningError.Code?] = []
            for await code in group { codes.append(code) }
            return codes
        }
        #expect(codes.filter { $0 == .permissionDenied }.count == 4)
        #expect(codes.filter { $0 == .resourceExhausted }.count == 8)
    }

    @Test("a retry with the same request id returns the same signature, not a second one")
    func idempotentSign() async throws {
        let harness = try SigningHarness()
        try await harness.registerCamat()
        let upload = try await harness.upload()
        let first = try await harness.sign(upload, requestId: "sign-once")
        harness.clock.advance(seconds: 5)
        let again = try await harness.sign(upload, requestId: "sign-once")
        #expect(again == first)
        let count = try await harness.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signature") }
        #expect(count == 1)
        // A new request id for the same signer and upload is the same step (natural key): the first
        // signature again, no second one, and the new id is answered by request id from now on.
        let lostID = try await harness.sign(upload, requestId: "sign-twice")
        #expect(lostID == first)
        let byLetter = try await harness.service.sign(SignRequest(requestId: "sign-thrice", letterId: "letter-1",
                                                                  passphrase: "not-checked-on-a-replay"), caller: harness.camat)
        #expect(byLetter == first)
        #expect(try await harness.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM signature") } == 1)
        #expect(try await harness.database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM idempotency WHERE method = ?", arguments: [SigningAPI.sign.fullName])
        } == 3)
        // Another signer (a Plh) asking for the signed revision is not that step: already signed.
        try await harness.registerSekretaris()
        _ = try await harness.service.createDelegation(CreateDelegationRequest(
            requestId: "dlg-1", fromSignerId: "camat-1", toSignerId: "sekcam-1", kind: .plh,
            validFromUnixMillis: SigningHarness.start, validUntilUnixMillis: SigningHarness.start + 3 * 86_400_000), caller: harness.admin)
        await expectSigningError(.failedPrecondition, containing: "already signed") {
            try await harness.sign(upload, as: harness.sekretaris, passphrase: SigningHarness.sekretarisPassphrase, requestId: "plh-sign")
        }
        // The same request id for another letter is a client bug.
        let other = try await harness.upload(letterId: "letter-2")
        await expectSigningError(.invalidArgument, containing: "request_id") { try await harness.sign(other, requestId: "sign-once") }

        // Survives a reopen of the database (a restart).
        let reopened = SigningService(database: try SigningHarness.open(path: harness.databasePath), policy: SigningHarness.testPolicy(),
                                      clock: harness.clock.clock, logger: Logger(label: "restarted"))
        let afterRestart = try await reopened.sign(SignRequest(requestId: "sign-once", signingRequestId: upload.signingRequestId,
                                                               passphrase: SigningHarness.camatPassphrase), caller: harness.camat)
        #expect(afterRestart == first)

        // Other mutations are idempotent too.
        let registration = try await harness.registerCamat()
        #expect(registration.signer.id == "camat-1")
        await expectSigningError(.alreadyExists) {
            try await harness.service.registerSigner(RegisterSignerRequest(
                requestId: "reg-camat-2", signer: registration.signer, passphrase: SigningHarness.camatPassphrase), caller: harness.admin)
        }
        let reupload = try await harness.upload(requestId: "upload-letter-1")
        #expect(reupload.signingRequestId == upload.signingRequestId)
    }

    @Test("passphrase change: the old passphrase stops working, the new one signs with the same key")
    func passphraseChange() async throws {
        let harness = try SigningHarness()
        let registration = try await harness.registerCamat()
        await expectSigningError(.permissionDenied, containing: "themself") {
            try await harness.service.changePassphrase(ChangePassphraseRequest(requestId: "c", signerId: "camat-1", currentPassphrase: SigningHarness.camatPassphrase,
                                                                               newPassphrase: "passphrase-baru-1"), caller: harness.admin)
        }
        await expectSigningError(.invalidArgument, containing: "new_passphrase") {
            try await harness.service.changePassphrase(ChangePassphraseRequest(requestId: "c", currentPassphrase: SigningHarness.camatPassphrase,
                                                                               newPassphrase: "short"), caller: harness.camat)
        }
        await expectSigningError(.permissionDenied, containing: "wrong passphrase") {
            try await harness.service.changePassphrase(ChangePassphraseRequest(requestId: "c", currentPassphrase: "bukan-ini-passphrase",
                                                                               newPassphrase: "passphrase-baru-1"), caller: harness.camat)
        }
        let changed = try await harness.service.changePassphrase(ChangePassphraseRequest(
            requestId: "c", currentPassphrase: SigningHarness.camatPassphrase, newPassphrase: "passphrase-baru-1"), caller: harness.camat)
        #expect(changed.keyId == registration.key.keyId)
        let upload = try await harness.upload()
        await expectSigningError(.permissionDenied, containing: "wrong passphrase") { try await harness.sign(upload) }
        let signature = try await harness.sign(upload, passphrase: "passphrase-baru-1")
        #expect(signature.fields.keyId == registration.key.keyId)
    }

    @Test("keys at rest: the database files never hold a private key in plaintext")
    func keysAtRest() async throws {
        let harness = try SigningHarness()
        let registration = try await harness.registerCamat()
        try await harness.registerSekretaris()
        _ = try await harness.service.changePassphrase(ChangePassphraseRequest(
            requestId: "c", currentPassphrase: SigningHarness.camatPassphrase, newPassphrase: "passphrase-baru-1"), caller: harness.camat)

        // Test-only path to the raw private key: unseal it with the passphrase, as signing does.
        let stored = try #require(try await harness.database.read { db in try SigningRecords.key(db, id: registration.key.keyId) })
        let sealed = try #require(stored.sealed)
        let privateKey = try KeyVault.unsealNow(sealed, keyId: stored.published.keyId, publicKey: stored.published.publicKey,
                                                   passphrase: "passphrase-baru-1")
        let seed = [UInt8](privateKey.rawRepresentation)
        #expect(seed.count == 32)

        let bytes = try harness.databaseFileBytes()
        #expect(bytes.contains(subsequence: [UInt8](registration.key.publicKey)), "the search must find what is stored")
        #expect(!bytes.contains(subsequence: seed))
        #expect(!bytes.contains(subsequence: [UInt8](privateKey.rawRepresentation.base64EncodedString().utf8)))
        for passphrase in [SigningHarness.camatPassphrase, SigningHarness.sekretarisPassphrase, "passphrase-baru-1"] {
            #expect(!bytes.contains(subsequence: [UInt8](passphrase.utf8)), "passphrase stored")
        }
        // The stored blob is ciphertext: as a key it does not give the published public key.
        let boxSeed = [UInt8](sealed.box.dropFirst(12).prefix(32))
        let asKey = try Curve25519.Signing.PrivateKey(rawRepresentation: boxSeed)
        #expect(asKey.publicKey.rawRepresentation != registration.key.publicKey)
        #expect(sealed.salt.count == 16)
        #expect(sealed.cost == SigningHarness.testPolicy().scrypt)
    }

    @Test("no passphrase or key material in logs or error messages")
    func nothingSecretLeaks() async throws {
        let harness = try SigningHarness()
        let registration = try await harness.registerCamat()
        let upload = try await harness.upload()
        var messages: [String] = []
        let guesses = (1...6).map { "tebakan-rahasia-\($0)" }
        for (index, guess) in guesses.enumerated() {
            do {
                _ = try await harness.sign(upload, passphrase: guess, requestId: "guess-\(index)")
            } catch let error as SigningError {
                messages.append(error.message)
            }
        }
        harness.clock.advance(seconds: 3600)
        _ = try await harness.service.changePassphrase(ChangePassphraseRequest(
            requestId: "c", currentPassphrase: SigningHarness.camatPassphrase, newPassphrase: "passphrase-baru-1"), caller: harness.camat)
        let signature = try await harness.sign(upload, passphrase: "passphrase-baru-1")
        let stored = try #require(try await harness.database.read { db in try SigningRecords.key(db, id: registration.key.keyId) })
        let seed = try KeyVault.unsealNow(try #require(stored.sealed), keyId: stored.published.keyId,
                                             publicKey: stored.published.publicKey, passphrase: "passphrase-baru-1").rawRepresentation

        let log = harness.logs.text
        #expect(harness.logs.all.contains { $0.contains("letter.id=letter-1") && $0.contains("request.id=guess-0") && $0.hasSuffix("wrong passphrase") })
        #expect(log.contains("letter signed"))
        #expect(log.contains("letter.id=letter-1"))
        #expect(signature.fields.letterId == "letter-1")
        let secrets = guesses + [SigningHarness.camatPassphrase, "passphrase-baru-1", seed.base64EncodedString(),
                                 seed.map { String(format: "%02x", $0) }.joined()]
        for secret in secrets {
            #expect(!log.contains(secret), "log contains a secret")
            #expect(!messages.contains { $0.contains(secret) }, "error message contains a secret")
        }
        #expect(!"\(SignRequest(requestId: "r", passphrase: "sangat-rahasia"))".contains("sangat-rahasia"))
        #expect(!"\(RegisterSignerRequest(passphrase: "sangat-rahasia"))".contains("sangat-rahasia"))
        #expect(!"\(ChangePassphraseRequest(currentPassphrase: "sangat-rahasia", newPassphrase: "sangat-rahasia"))".contains("sangat-rahasia"))
        #expect(!"\(RotateKeyRequest(newPassphrase: "sangat-rahasia"))".contains("sangat-rahasia"))
    }

    @Test("bad input names the field")
    func badInput() async throws {
        let harness = try SigningHarness()
        func register(_ signer: PublishedSigner, passphrase: String = "cukup-panjang") async throws -> RegisterSignerResponse {
            try await harness.service.registerSigner(RegisterSignerRequest(requestId: UUID().uuidString, signer: signer, passphrase: passphrase),
                                                     caller: harness.admin)
        }
        let good = PublishedSigner(id: "camat-1", name: "Camat", nip: "196801011990031001", position: "Camat Sooko", role: "camat")
        var signer = good
        signer.nip = "12345"
        await expectSigningError(.invalidArgument, containing: "signer.nip") { try await register(signer) }
        signer = good
        signer.role = "admin"
        await expectSigningError(.invalidArgument, containing: "signer.role") { try await register(signer) }
        signer = good
        signer.id = ""
        await expectSigningError(.invalidArgument, containing: "signer.id") { try await register(signer) }
        await expectSigningError(.invalidArgument, containing: "passphrase") { try await register(good, passphrase: "pendek") }
        await expectSigningError(.invalidArgument, containing: "request_id") {
            try await harness.service.registerSigner(RegisterSignerRequest(signer: good, passphrase: "cukup-panjang"), caller: harness.admin)
        }
        await expectSigningError(.notFound, containing: "signature_id") { try await harness.service.verify(VerifyRequest(signatureId: "nope")) }
        await expectSigningError(.invalidArgument, containing: "signature_id") { try await harness.service.verify(VerifyRequest()) }
        let garbage = try await harness.service.verify(VerifyRequest(envelope: Data([1, 2, 3]), signature: Data(count: 64)))
        #expect(!garbage.valid)
        #expect(garbage.firstProblem?.name == "envelope")
    }
}
