import Domain
import Foundation
import Logging
import RPC

enum Fixtures {
    /// A complete, valid letter.
    static func content(subject: String = "Undangan Rapat Koordinasi Desa") -> LetterContent {
        LetterContent(
            type: .undangan, classificationCode: "005", subject: subject,
            body: "Dengan hormat, kami mengundang Saudara untuk hadir pada rapat koordinasi.",
            sifat: .biasa, urgency: .segera,
            addressees: [Addressee(name: "Kepala Desa Sooko", kind: .desa, endpoint: "127.0.0.1:9000", address: "di Tempat"),
                         Addressee(name: "Dinas Kominfo", kind: .dinas)],
            tembusan: ["Bupati Mojokerto"],
            attachments: [Attachment(name: "daftar-hadir.pdf", mediaType: "application/pdf", content: Data("%PDF-1.4 test".utf8))],
            draftingUnit: "Seksi Pemerintahan", place: "Sooko")
    }

    static func context(role: String?, id: String = "user-1", actingFor: String? = nil) -> ServerContext {
        var attributes: [String: String] = [:]
        if let role {
            attributes["actor.id"] = id
            attributes["actor.role"] = role
            attributes["actor.name"] = "Test \(role)"
        }
        if let actingFor { attributes["acting.for"] = actingFor }
        return ServerContext(method: "test/Method", principal: Principal(subject: "service:test", attributes: attributes),
                             logger: Logger(label: "test"))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("servicekit-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
