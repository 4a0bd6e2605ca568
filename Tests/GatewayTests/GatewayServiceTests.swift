import Crypto
import Domain
import Foundation
import GatewayCore
import Logging
import RPC
import Testing
@testable import GatewayService

/// The gateway as a real RPC server on port 0, with its backends pointed at a port where nothing listens:
/// step 1, authentication, admin and the "backend down" path need no backend.
final class LiveGateway: Sendable {
    let server: RPCServer
    let client: RPCClient
    let service: GatewayService
    let adminToken: String

    /// A port where nothing listens: port 9 (discard) is never served on the test machines.
    static func closedPort() throws -> Int { 9 }

    init() async throws {
        var configuration = GatewayConfiguration()
        for key in [\GatewayConfiguration.draftingAddress, \.approvalAddress, \.signingAddress, \.registryAddress] {
            configuration[keyPath: key] = "127.0.0.1:\(try Self.closedPort())"
        }
        configuration.serviceToken = "test-service-token"
        configuration.backendTimeoutSeconds = 2
        let logger = Logger(label: "gateway-tests")
        let store = try GatewayStore(path: Fixtures.temporaryDatabasePath())
        service = GatewayService(store: store, backends: try BackendClients(configuration: configuration, logger: logger),
                                 configuration: configuration, logger: logger)
        server = try RPCServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0),
                               services: service.descriptors(), authenticator: service.authenticator, logger: logger)
        try await server.start()
        client = try RPCClient(host: "127.0.0.1", port: server.localPort)
        adminToken = try await store.bootstrapAdmin().token
    }

    func stop() async {
        await client.close()
        await server.shutdownGracefully()
    }

    func call<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request,
                                 token: String?) async throws -> Response {
        var metadata = Metadata()
        if let token { metadata.add("authorization", "Bearer \(token)") }
        return try await client.call(method, request, metadata: metadata, timeout: .seconds(10))
    }

    func user(_ id: String, role: String) async throws -> String {
        _ = try await call(GatewayAPI.createUser, GatewayAPI.CreateUserRequest(userID: id, name: id.capitalized, role: role),
                           token: adminToken)
        return try await call(GatewayAPI.issueToken, GatewayAPI.IssueTokenRequest(userID: id), token: adminToken).token
    }
}

func rpcCode(_ body: () async throws -> Void) async -> RPCError? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error
    } catch {
        return RPCError(.unknown, "\(error)")
    }
}

/// ListLettersRequest with its enum as a bare number, to send a value the .proto does not define.
struct RawListLettersRequest: Codable, Sendable {
    var state: Int32 = 0
    enum CodingKeys: Int, CodingKey { case state = 1 }
}

@Suite("Gateway over RPC (in-process server, no backends)", .timeLimit(.minutes(10)))
struct GatewayServiceTests {
    @Test("step 1 over RPC: open, assign, queue; roles, tokens and admin-only methods enforced")
    func stepOneAndAuth() async throws {
        let gateway = try await LiveGateway()
        let clerk = try await gateway.user("ani", role: "staf_umum")
        let drafter = try await gateway.user("dedi", role: "drafter")
        let opened = try await gateway.call(GatewayAPI.openLetter, GatewayAPI.OpenLetterRequest(
            requestID: "r-open", subject: "Undangan", classification: "005", unit: "416-313"), token: clerk)
        let letterID = try #require(opened.journey?.letterID)
        #expect(opened.journey?.state == .opened)
        let again = try await gateway.call(GatewayAPI.openLetter, GatewayAPI.OpenLetterRequest(
            requestID: "r-open", subject: "Undangan", classification: "005", unit: "416-313"), token: clerk)
        #expect(again.journey?.letterID == letterID)
        // A UUID in upper case names the same letter (wire-format.md, "UUIDs"; issue 11, item 13).
        let upper = try await gateway.call(GatewayAPI.getJourney, GatewayAPI.GetJourneyRequest(letterID: letterID.uppercased()),
                                           token: clerk)
        #expect(upper.journey?.letterID == letterID)

        let denied = await rpcCode {
            _ = try await gateway.call(GatewayAPI.assignClerk, GatewayAPI.AssignClerkRequest(requestID: "a1", letterID: letterID),
                                       token: drafter)
        }
        #expect(denied?.code == .permissionDenied)
        let assigned = try await gateway.call(GatewayAPI.assignClerk,
                                              GatewayAPI.AssignClerkRequest(requestID: "a1", letterID: letterID), token: clerk)
        #expect(assigned.journey?.state == .drafting)
        #expect(assigned.journey?.clerk?.id == "ani")
        let queue = try await gateway.call(GatewayAPI.getWorkQueue, GatewayAPI.WorkQueueRequest(), token: drafter)
        #expect(queue.role == "drafter" && queue.items.map(\.letterID) == [letterID])

        #expect(await rpcCode { _ = try await gateway.call(GatewayAPI.whoAmI, GatewayAPI.WhoAmIRequest(), token: nil) }?.code
                == .unauthenticated)
        #expect(await rpcCode { _ = try await gateway.call(GatewayAPI.listUsers, GatewayAPI.ListUsersRequest(), token: clerk) }?.code
                == .permissionDenied)
        let clash = await rpcCode {
            _ = try await gateway.call(GatewayAPI.openLetter, GatewayAPI.OpenLetterRequest(
                requestID: "r-open", subject: "Other", classification: "005", unit: "416-313"), token: clerk)
        }
        #expect(clash?.code == .invalidArgument && clash?.message.hasPrefix("request_id") == true)
        // Every INVALID_ARGUMENT names its field in the `surat-field` trailer (issue 11, item 12).
        #expect(clash?.metadata["surat-field"] == "request_id")
        let badCode = await rpcCode {
            _ = try await gateway.call(GatewayAPI.openLetter, GatewayAPI.OpenLetterRequest(
                requestID: "r2", subject: "x", classification: "65", unit: "416-313"), token: clerk)
        }
        #expect(badCode?.code == .invalidArgument && badCode?.message.hasPrefix("classification") == true)
        // Control characters are refused naming the field, not trimmed away (issue 11, item 9).
        for (subject, unit, field) in [("Undangan\r\n", "416-313", "subject"), ("\u{1B}[2JUndangan", "416-313", "subject"),
                                       ("Undangan\u{0}", "416-313", "subject"), ("Undangan", "416-313\n", "unit")] {
            let refused = await rpcCode {
                _ = try await gateway.call(GatewayAPI.openLetter, GatewayAPI.OpenLetterRequest(
                    requestID: "r-ctl-\(UUID())", subject: subject, classification: "005", unit: unit), token: clerk)
            }
            #expect(refused?.code == .invalidArgument && refused?.message.hasPrefix(field) == true, "\(String(describing: refused))")
        }
        let badName = await rpcCode {
            _ = try await gateway.call(GatewayAPI.createUser, GatewayAPI.CreateUserRequest(userID: "eve", name: "Eve\u{1B}[0m", role: "drafter"),
                                       token: gateway.adminToken)
        }
        #expect(badName?.code == .invalidArgument && badName?.message.contains("name") == true, "\(String(describing: badName))")

        // Errors speak the contract (issue 11, item 12): proto names, the field in the trailer,
        // no "role: role:".
        let badRole = await rpcCode {
            _ = try await gateway.call(GatewayAPI.createUser, GatewayAPI.CreateUserRequest(userID: "eve", name: "Eve", role: "boss"),
                                       token: gateway.adminToken)
        }
        #expect(badRole?.code == .invalidArgument && badRole?.metadata["surat-field"] == "role", "\(String(describing: badRole))")
        #expect(badRole?.message.hasPrefix("role: unknown role") == true && badRole?.message.contains("role: role:") == false,
                "\(String(describing: badRole))")
        let unknownState = await rpcCode {
            _ = try await gateway.call(RPCMethod<RawListLettersRequest, GatewayAPI.ListLettersReply>(service: GatewayAPI.serviceName,
                                                                                                  name: "ListLetters"),
                                       RawListLettersRequest(state: 99), token: clerk)
        }
        #expect(unknownState?.code == .invalidArgument && unknownState?.metadata["surat-field"] == "state",
                "\(String(describing: unknownState))")
        #expect(unknownState?.message.hasPrefix("list_letters_request.state: 99 ") == true, "\(String(describing: unknownState))")
        #expect(unknownState?.message.contains("Domain") == false && unknownState?.message.contains("JourneyState") == false,
                "\(String(describing: unknownState))")
        await gateway.stop()
    }

    @Test("a backend that is down: UNAVAILABLE naming it, journey unchanged, nothing stored for the request id")
    func backendDown() async throws {
        let gateway = try await LiveGateway()
        let clerk = try await gateway.user("ani", role: "staf_umum")
        let drafter = try await gateway.user("dedi", role: "drafter")
        let opened = try await gateway.call(GatewayAPI.openLetter, GatewayAPI.OpenLetterRequest(
            requestID: "o", subject: "Undangan", classification: "005", unit: "416-313"), token: clerk)
        let letterID = try #require(opened.journey?.letterID)
        _ = try await gateway.call(GatewayAPI.assignClerk, GatewayAPI.AssignClerkRequest(requestID: "a", letterID: letterID),
                                   token: clerk)
        var content = LetterContent()
        content.subject = "Undangan"
        let down = await rpcCode {
            _ = try await gateway.call(GatewayAPI.createDraft, GatewayAPI.CreateDraftRequest(
                requestID: "d", letterID: letterID, content: content), token: drafter)
        }
        #expect(down?.code == .unavailable)
        #expect(down?.message.contains("drafting service is unavailable") == true)
        #expect(down?.message.contains("retry with the same request_id") == true)
        let journey = try await gateway.service.store.journey(letterID)
        #expect(journey.state == .drafting && journey.draftID == nil)
        #expect(try await gateway.service.store.storedResponse(
            method: GatewayAPI.createDraft.fullName, requestID: "d", requestDigest: "") == nil)
        await gateway.stop()
    }

    @Test("backend request ids follow the documented derivation and separate requests, letters and methods")
    func derivedRequestIDs() {
        let id = BackendRequestID.derive(requestID: "r1", letterID: "L1", operation: "Sign")
        let expected = "gw-" + SHA256.hash(data: Data("surat-gateway\u{0}r1\u{0}L1\u{0}Sign".utf8)).prefix(16)
            .map { String(format: "%02x", $0) }.joined()
        #expect(id == expected)
        #expect(id.count == 35)
        #expect(id == BackendRequestID.derive(requestID: "r1", letterID: "L1", operation: "Sign"))
        #expect(id != BackendRequestID.derive(requestID: "r2", letterID: "L1", operation: "Sign"))
        #expect(id != BackendRequestID.derive(requestID: "r1", letterID: "L2", operation: "Sign"))
        #expect(id != BackendRequestID.derive(requestID: "r1", letterID: "L1", operation: "Register"))
    }

    @Test("backend failures are translated for the caller", arguments: [
        (RPCError.Code.unavailable, RPCError.Code.unavailable), (.deadlineExceeded, .unavailable),
        (.unauthenticated, .internalError), (.failedPrecondition, .failedPrecondition), (.invalidArgument, .invalidArgument),
    ])
    func translation(backend: RPCError.Code, caller: RPCError.Code) {
        let translated = BackendClients.translate(RPCError(backend, "boom"), service: "signing")
        #expect(translated.code == caller)
        #expect(translated.message.contains("signing"))
    }
}
