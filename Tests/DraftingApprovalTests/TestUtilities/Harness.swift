import ApprovalCore
import Domain
import DraftingCore
import Foundation
import Logging
import RPC
import ServiceKit
import Synchronization
import Testing

/// A settable clock for queue ages.
final class ManualClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_764_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// People of the office, as the gateway would pass them.
enum People {
    static let drafter = ActorIdentity(id: "drafter-1", name: "Dwi Ayu", role: .drafter)
    static let drafter2 = ActorIdentity(id: "drafter-2", name: "Bagus Santoso", role: .drafter)
    static let sekretaris = ActorIdentity(id: "sekcam-1", name: "Siti Aminah", role: .sekretaris)
    static let plhSekretaris = ActorIdentity(id: "kasi-pem", name: "Hadi Purnomo", role: .sekretaris, actingFor: "sekcam-1")
    static let camat = ActorIdentity(id: "camat-1", name: "Ahmad Fauzi", role: .camat)
    static let stafUmum = ActorIdentity(id: "umum-1", name: "Rina", role: .stafUmum)
}

/// The drafting and approval services in-process on port 0, each with its own database, called
/// over real RPC (HTTP/2 on loopback) with a service token, as the gateway calls them.
final class Harness: Sendable {
    static let token = "test-gateway-token"
    let drafting: RPCServer
    let approval: RPCServer
    let draftingClient: RPCClient
    let approvalClient: RPCClient
    let clock = ManualClock()
    let directory: URL

    init(draftingConfiguration: DraftingConfiguration = DraftingConfiguration(),
         approvalConfiguration: ApprovalConfiguration = ApprovalConfiguration()) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("surat-tests-\(UUID().uuidString)")
        var settings = ServiceSettings(port: 0)
        settings.serviceTokens = ["gateway:\(ServiceCredential.hashHex(of: Self.token))"]
        let logger = Logger(label: "test")
        let clock = self.clock
        let draftingStore = try DraftingStore(path: directory.appendingPathComponent("drafting.sqlite").path, now: { clock.now })
        let approvalStore = try ApprovalStore(path: directory.appendingPathComponent("approval.sqlite").path, now: { clock.now })
        drafting = try await ServiceMain.startServer(
            settings: settings, services: [DraftingService(store: draftingStore, configuration: draftingConfiguration).descriptor], logger: logger)
        approval = try await ServiceMain.startServer(
            settings: settings, services: [ApprovalService(store: approvalStore, configuration: approvalConfiguration).descriptor], logger: logger)
        draftingClient = try RPCClient(host: "127.0.0.1", port: drafting.localPort)
        approvalClient = try RPCClient(host: "127.0.0.1", port: approval.localPort)
    }

    func stop() async {
        await draftingClient.close()
        await approvalClient.close()
        await drafting.shutdownGracefully()
        await approval.shutdownGracefully()
        try? FileManager.default.removeItem(at: directory)
    }

    static func metadata(_ actor: ActorIdentity) -> Metadata { ServiceMetadata.make(token: token, actor: actor) }

    func drafting<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request, as actor: ActorIdentity) async throws -> Response {
        try await draftingClient.call(method, request, metadata: Self.metadata(actor))
    }

    func approval<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request, as actor: ActorIdentity) async throws -> Response {
        try await approvalClient.call(method, request, metadata: Self.metadata(actor))
    }

    // MARK: - The gateway's moves, step by step

    func create(_ content: LetterContent = Letters.content(), as actor: ActorIdentity = People.drafter) async throws -> Draft {
        try await drafting(DraftingAPI.createDraft, CreateDraftRequest(requestID: UUID().uuidString, content: content, letterID: "L-\(UUID().uuidString.prefix(8))"), as: actor)
    }

    func update(_ draft: Draft, _ content: LetterContent, base: Int64? = nil, as actor: ActorIdentity = People.drafter) async throws -> Draft {
        try await drafting(DraftingAPI.updateDraft, UpdateDraftRequest(requestID: UUID().uuidString, draftID: draft.id, baseRevision: base ?? draft.latestRevision, content: content), as: actor)
    }

    func paraf(_ draft: Draft, as actor: ActorIdentity = People.drafter) async throws -> ParafDraftResponse {
        try await drafting(DraftingAPI.parafDraft, ParafDraftRequest(requestID: UUID().uuidString, draftID: draft.id, revision: draft.latestRevision, revisionDigest: draft.latestDigest), as: actor)
    }

    /// Paraf in drafting, then hand the initialled revision to approval (what the gateway does).
    func parafAndSubmit(_ draft: Draft) async throws -> (ParafDraftResponse, Review) {
        let initialled = try await paraf(draft)
        let revision = try #require(initialled.draft.revisions.last)
        let review = try await approval(ApprovalAPI.submitForReview, SubmitForReviewRequest(
            requestID: UUID().uuidString, draftID: draft.id, revision: revision.number, content: revision.content,
            drafterParaf: initialled.paraf, letterID: initialled.draft.letterID), as: People.drafter)
        return (initialled, review)
    }

    func approve(_ draftID: String, digest: Data, as actor: ActorIdentity = People.sekretaris, requestID: String = UUID().uuidString) async throws -> ApproveResponse {
        try await approval(ApprovalAPI.approve, ApproveRequest(requestID: requestID, draftID: draftID, revisionDigest: digest), as: actor)
    }

    /// Return in approval, then reopen in drafting with the same notes (what the gateway does).
    func returnDraft(_ draftID: String, digest: Data, notes: String, as actor: ActorIdentity = People.sekretaris) async throws -> (Review, Draft) {
        let review = try await approval(ApprovalAPI.returnDraft, ReturnDraftRequest(requestID: UUID().uuidString, draftID: draftID, revisionDigest: digest, notes: notes), as: actor)
        let draft = try await drafting(DraftingAPI.reopenDraft, ReopenDraftRequest(requestID: UUID().uuidString, draftID: draftID, revisionDigest: digest, notes: notes), as: actor)
        return (review, draft)
    }
}

enum Letters {
    static func content(subject: String = "Undangan Rapat Koordinasi Desa", body: String = "Dengan hormat, kami mengundang Saudara untuk hadir.") -> LetterContent {
        LetterContent(
            type: .undangan, classificationCode: "000.8.3.3", subject: subject, body: body,
            sifat: .biasa, urgency: .segera,
            addressees: [Addressee(name: "Kepala Desa Sooko", kind: .desa, endpoint: "127.0.0.1:9000", address: "di Tempat"),
                         Addressee(name: "Dinas Kominfo Kabupaten Mojokerto", kind: .dinas)],
            tembusan: ["Bupati Mojokerto"],
            attachments: [Attachment(name: "jadwal.pdf", mediaType: "application/pdf", content: Data("%PDF-1.4 jadwal".utf8))],
            draftingUnit: "Seksi Pemerintahan", place: "Sooko")
    }
}

/// The RPC status code a call failed with (nil when it succeeded).
func statusCode(_ body: () async throws -> some Any) async -> (RPCError.Code, String)? {
    do {
        _ = try await body()
        return nil
    } catch let error as RPCError {
        return (error.code, error.message)
    } catch {
        return (.unknown, "\(error)")
    }
}
