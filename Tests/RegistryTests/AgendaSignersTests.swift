import Foundation
import Testing
@testable import RegistryCore

/// Issue 11, item 15: the agenda book's Penandatangan column says who signed by position and name,
/// with Plh./Plt. and the position signed for, never a bare signer id.
@Suite("Agenda signer line", .timeLimit(.minutes(2)))
struct AgendaSignersTests {
    static let signers = AgendaSigners(
        signers: ["camat": .init(name: "Drs. Bambang", position: "Camat Sooko"),
                  "sri": .init(name: "Sri Wahyuni", position: "Sekretaris Kecamatan Sooko")],
        delegations: [.init(fromSignerId: "camat", toSignerId: "sri", authority: "Plh.", validFromMillis: 1_000,
                            validUntilMillis: 2_000_000_000_000, revokedAtMillis: 0)])

    static func entry(signer: String, name: String, onBehalfOf: String = "") async throws -> AgendaEntry {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        var entry = try await fixture.store.register(fixture.request()).entry
        entry.signerId = signer
        entry.signerName = name
        entry.onBehalfOf = onBehalfOf
        return entry
    }

    @Test func ownSignatureShowsPositionAndName() async throws {
        let entry = try await Self.entry(signer: "camat", name: "Drs. Bambang")
        #expect(Self.signers.line(entry) == "Camat Sooko, Drs. Bambang")
    }

    @Test func actingOfficialShowsAuthorityPositionSignedForAndOwnPosition() async throws {
        let entry = try await Self.entry(signer: "sri", name: "Sri Wahyuni", onBehalfOf: "camat")
        #expect(Self.signers.line(entry) == "Plh. Camat Sooko, Sri Wahyuni (Sekretaris Kecamatan Sooko)")
        // Signed outside every published delegation: "a.n." rather than a kind it did not have.
        var late = entry
        late.signedAt = Date(timeIntervalSince1970: 2_100_000_000)
        #expect(Self.signers.line(late) == "a.n. Camat Sooko, Sri Wahyuni (Sekretaris Kecamatan Sooko)")
    }

    @Test func unknownSignerFallsBackToTheName() async throws {
        let entry = try await Self.entry(signer: "someone", name: "Nama Saja")
        #expect(AgendaSigners().line(entry) == "Nama Saja")
        #expect(Self.signers.line(entry) == "Nama Saja")
    }

    @Test func exportUsesTheSignerLine() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        _ = try await fixture.store.register(fixture.request())
        let entries = try await fixture.store.export(AgendaQuery())
        let signers = AgendaSigners(signers: ["camat": .init(name: "Camat Sooko", position: "Camat Sooko")])
        let csv = String(decoding: AgendaExport.csv(entries, zone: .wib, signers: signers), as: UTF8.self)
        #expect(csv.contains(",\"Camat Sooko, Camat Sooko\","))
        let html = String(decoding: AgendaExport.html(entries, zone: .wib, officeName: "Kecamatan Sooko", title: "2026",
                                                      signers: signers), as: UTF8.self)
        #expect(html.contains("<td>Camat Sooko, Camat Sooko</td>"))
    }
}
