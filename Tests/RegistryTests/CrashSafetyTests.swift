import Domain
import Foundation
import RegistryCore
import RPC
import ServiceKit
import Testing
@testable import RegistryServer

@Suite("Crash safety of the real executable", .timeLimit(.minutes(10)))
struct CrashSafetyTests {
    struct Acked: Sendable { var letterID: String; var number: String }

    @Test func sigkillDuringRegistrationsLosesNothingAndOutboxResumes() async throws {
        let executable = try #require(RegistryProcess.executable, "surat-registry is not built next to the tests")
        let signer = TestSigner()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("registry-crash-\(UUID().uuidString)")
        let senderKey = try OfficeFixture.preparedKey(in: directory)
        let receiver = try await OfficeFixture(officeId: "kec-trawas", signer: TestSigner(), peers: ["kec-sooko": senderKey],
                                               peerTokens: ["kec-sooko": "sooko-delivery-token"])
        let inbox = try receiver.client()
        do {
            try await killAndRestart(executable: executable, signer: signer, directory: directory, receiver: receiver, inbox: inbox)
        } catch {
            Issue.record(error)
        }
        await inbox.close()
        await receiver.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func killAndRestart(executable: URL, signer: TestSigner, directory: URL, receiver: OfficeFixture, inbox: RPCClient) async throws {
        let arguments = [
            "--port", "0", "--data-directory", directory.path, "--signing-endpoint", "",
            "--trusted-keys-file", try signer.writeTrustedKeys(to: directory), "--office-id", "kec-sooko",
            "--service-tokens", "gateway:" + ServiceCredential.hashHex(of: OfficeFixture.clerkToken),
            "--delivery-token", "sooko-delivery-token", "--delivery-initial-backoff-milliseconds", "100",
            "--delivery-max-backoff-seconds", "1", "--delivery-poll-milliseconds", "100", "--log-level", "info",
        ]
        let registry = try RegistryProcess(executable: executable, arguments: arguments,
                                           logURL: directory.appendingPathComponent("run-1.log"))
        let firstClientConnection = try RPCClient(host: "127.0.0.1", port: registry.port)
        let acked = LockedValue<[Acked]>([])
        let endpoint = "127.0.0.1:\(receiver.port)"

        // 16 callers register until the process dies under them.
        let firstClient = firstClientConnection
        let callers = Task {
            await withTaskGroup(of: Void.self) { group in
                for caller in 0..<16 {
                    group.addTask {
                        var index = 0
                        while true {
                            index += 1
                            let addressees = caller % 4 == 0
                                ? [Domain.Addressee(name: "Kepala Desa \(caller)-\(index)")]
                                : [Domain.Addressee(name: "Camat Trawas", endpoint: endpoint)]
                            guard let request = try? signer.registration(subject: "Surat \(caller)-\(index)", addressees: addressees),
                                  let response = try? await firstClient.call(RegistryAPI.register, request, metadata: OfficeFixture.clerk,
                                                                        timeout: .seconds(5)),
                                  let entry = response.entry else { return }
                            acked.withValue { $0.append(Acked(letterID: request.letterID, number: entry.number)) }
                        }
                    }
                }
            }
        }
        // Let a few hundred registrations through, then kill -9 mid-stream.
        _ = await eventually(seconds: 30) { acked.withValue { (list: inout [Acked]) in list.count } >= 300 }
        registry.kill()
        await callers.value
        await firstClient.close()
        let acknowledged = acked.withValue { $0 }
        #expect(acknowledged.count >= 300)

        let restarted = try RegistryProcess(executable: executable, arguments: arguments, logURL: directory.appendingPathComponent("run-2.log"))
        let client = try RPCClient(host: "127.0.0.1", port: restarted.port)
        defer { restarted.terminate() }

        // Every acknowledged number is in the book; the book is gapless and has no duplicates.
        var entries: [RegistryAPI.AgendaEntry] = []
        var request = RegistryAPI.ListAgendaRequest()
        request.pageSize = 1000
        repeat {
            let page = try await client.call(RegistryAPI.listAgenda, request, metadata: OfficeFixture.clerk)
            entries += page.entries
            request.pageToken = page.nextPageToken
        } while !request.pageToken.isEmpty
        let byLetter = Dictionary(entries.map { ($0.letterID, $0.number) }, uniquingKeysWith: { first, _ in first })
        #expect(byLetter.count == entries.count)
        #expect(entries.map(\.sequence).sorted() == Array(1...Int64(entries.count)))
        #expect(Set(entries.map(\.number)).count == entries.count)
        let missing = acknowledged.filter { byLetter[$0.letterID] != $0.number }
        #expect(missing.isEmpty, "acknowledged but not in the book: \(missing.prefix(5).map { $0.number })")

        // The outbox resumes: every letter for Trawas arrives there exactly once.
        let forTrawas = Set(entries.filter { $0.addressees.first?.endpoint == endpoint || $0.addressees.first?.name == "Camat Trawas" }.map(\.number))
        let arrived = try await eventually(seconds: 60) {
            let letters = try await inbox.call(InboxAPI.listIncoming, {
                var request = InboxAPI.ListIncomingRequest()
                request.limit = 1000
                return request
            }(), metadata: OfficeFixture.clerk).letters
            return Set(letters.map(\.number)) == forTrawas
        }
        #expect(arrived)
        var listRequest = InboxAPI.ListIncomingRequest()
        listRequest.limit = 1000
        let letters = try await inbox.call(InboxAPI.listIncoming, listRequest, metadata: OfficeFixture.clerk).letters
        #expect(letters.count == forTrawas.count)
        #expect(Set(letters.map(\.number)).count == letters.count)
        // The sender's delivery rows carry the receiver's (first) acknowledgement.
        let acknowledgements = Dictionary(letters.map { ($0.number, $0.acknowledgement) }, uniquingKeysWith: { first, _ in first })
        for number in forTrawas.sorted().prefix(50) {
            let delivery = try await eventually(seconds: 10) {
                try await client.call(RegistryAPI.getDeliveries, RegistryAPI.GetDeliveriesRequest(number: number),
                                      metadata: OfficeFixture.clerk).deliveries.first?.state == .delivered
            }
            #expect(delivery)
            let recorded = try await client.call(RegistryAPI.getDeliveries, RegistryAPI.GetDeliveriesRequest(number: number),
                                                 metadata: OfficeFixture.clerk).deliveries.first
            #expect(recorded?.acknowledgement == acknowledgements[number])
        }
        await client.close()
    }
}
