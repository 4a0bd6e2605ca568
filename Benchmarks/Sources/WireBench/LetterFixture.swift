import Foundation
import SwiftProtobuf

/// The Codable twin of surat.bench.v1.Letter (Protos/bench_letter.proto).
struct Letter: Codable, Equatable {
    enum Sifat: Int32, Codable { case biasa = 0, penting, rahasia, segera }
    enum State: Int32, Codable {
        case assigned = 0, drafting, initialledByDrafter, initialledBySekretaris, uploaded, signed, registered
    }

    struct Addressee: Codable, Equatable {
        var name = ""
        var position = ""
        var office = ""
        var address = ""
        var endpoint = ""
        var manualDelivery = false
        enum CodingKeys: Int, CodingKey { case name = 1, position, office, address, endpoint, manualDelivery }
    }

    struct Attachment: Codable, Equatable {
        var fileName = ""
        var mediaType = ""
        var size: Int64 = 0
        var sha256 = Data()
        enum CodingKeys: Int, CodingKey { case fileName = 1, mediaType, size, sha256 }
    }

    var id = UUID()
    var number = ""
    var classification = ""
    var perihal = ""
    var sifat = Sifat.biasa
    var state = State.assigned
    var drafterID = ""
    var drafterName = ""
    var unit = ""
    var createdAt = Date(timeIntervalSince1970: 0)
    var updatedAt = Date(timeIntervalSince1970: 0)
    var dueAt = Date(timeIntervalSince1970: 0)
    var addressees: [Addressee] = []
    var tembusan: [String] = []
    var body = ""
    var attachments: [Attachment] = []
    var revision: Int32 = 0
    var sequence: Int64 = 0
    var labels: [String: String] = [:]
    var urgent = false
    var contentDigest = Data()
    var pageCounts: [Int32] = []

    enum CodingKeys: Int, CodingKey {
        case id = 1, number, classification, perihal, sifat, state, drafterID, drafterName, unit
        case createdAt, updatedAt, dueAt, addressees, tembusan, body, attachments, revision, sequence
        case labels, urgent, contentDigest, pageCounts
    }
}

enum Fixture {
    static let body: String = {
        let paragraph = """
            Dengan hormat, sehubungan dengan pelaksanaan program kerja Kecamatan tahun anggaran 2025, \
            bersama ini kami mengundang Bapak/Ibu untuk menghadiri rapat koordinasi yang akan \
            dilaksanakan pada hari Senin di Aula Kantor Camat. Mengingat pentingnya acara tersebut, \
            dimohon kehadiran tepat waktu. Atas perhatian dan kerja samanya diucapkan terima kasih.\n
            """
        return String(repeating: paragraph, count: 8)  // ≈ 3.1 KB
    }()

    static let letter: Letter = {
        var letter = Letter()
        letter.id = UUID(uuidString: "3F2504E0-4F89-41D3-9A0C-0305E82C3301")!
        letter.number = "065/87/416-313/2025"
        letter.classification = "065"
        letter.perihal = "Undangan Rapat Koordinasi Program Kerja Tahun 2025"
        letter.sifat = .penting
        letter.state = .signed
        letter.drafterID = "c9a1e6f2-5d0b-4a55-8f0e-2b7d4c1a9e33"
        letter.drafterName = "Siti Rahmawati, S.Sos."
        letter.unit = "416-313"
        letter.createdAt = Date(timeIntervalSince1970: 1_760_000_000.25)
        letter.updatedAt = Date(timeIntervalSince1970: 1_760_003_600.5)
        letter.dueAt = Date(timeIntervalSince1970: 1_760_086_400)
        letter.addressees = (1...5).map { index in
            Letter.Addressee(name: "Kepala Desa \(index)", position: "Kepala Desa", office: "Desa Sukamaju \(index)",
                             address: "Jl. Raya Desa No. \(index), Kecamatan Sukamaju",
                             endpoint: "desa-\(index).sukamaju.example:7404", manualDelivery: index == 5)
        }
        letter.tembusan = ["Bupati (sebagai laporan)", "Sekretaris Kecamatan", "Arsip"]
        letter.body = body
        letter.attachments = [
            Letter.Attachment(fileName: "jadwal.pdf", mediaType: "application/pdf", size: 48_213,
                              sha256: Data((0..<32).map { UInt8($0 * 7 & 0xFF) })),
            Letter.Attachment(fileName: "daftar-hadir.pdf", mediaType: "application/pdf", size: 12_004,
                              sha256: Data((0..<32).map { UInt8($0 * 13 & 0xFF) })),
        ]
        letter.revision = 3
        letter.sequence = 87
        letter.labels = ["kode_unit": "416-313", "tahun": "2025", "jenis": "undangan"]
        letter.urgent = true
        letter.contentDigest = Data((0..<32).map { UInt8($0 * 31 & 0xFF) })
        letter.pageCounts = [2, 1, 1]
        return letter
    }()

    static func timestamp(_ date: Date) -> Google_Protobuf_Timestamp {
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        return Google_Protobuf_Timestamp(seconds: Int64(seconds), nanos: Int32(((interval - seconds) * 1e9).rounded()))
    }

    /// The same letter as swift-protobuf's generated type.
    static let protoLetter: Surat_Bench_V1_Letter = {
        let source = letter
        var letter = Surat_Bench_V1_Letter()
        letter.id = source.id.uuidString.lowercased()
        letter.number = source.number
        letter.classification = source.classification
        letter.perihal = source.perihal
        letter.sifat = Surat_Bench_V1_Sifat(rawValue: Int(source.sifat.rawValue))!
        letter.state = Surat_Bench_V1_LetterState(rawValue: Int(source.state.rawValue))!
        letter.drafterID = source.drafterID
        letter.drafterName = source.drafterName
        letter.unit = source.unit
        letter.createdAt = timestamp(source.createdAt)
        letter.updatedAt = timestamp(source.updatedAt)
        letter.dueAt = timestamp(source.dueAt)
        letter.addressees = source.addressees.map { addressee in
            var out = Surat_Bench_V1_Addressee()
            out.name = addressee.name
            out.position = addressee.position
            out.office = addressee.office
            out.address = addressee.address
            out.endpoint = addressee.endpoint
            out.manualDelivery = addressee.manualDelivery
            return out
        }
        letter.tembusan = source.tembusan
        letter.body = source.body
        letter.attachments = source.attachments.map { attachment in
            var out = Surat_Bench_V1_Attachment()
            out.fileName = attachment.fileName
            out.mediaType = attachment.mediaType
            out.size = attachment.size
            out.sha256 = attachment.sha256
            return out
        }
        letter.revision = source.revision
        letter.sequence = source.sequence
        letter.labels = source.labels
        letter.urgent = source.urgent
        letter.contentDigest = source.contentDigest
        letter.pageCounts = source.pageCounts
        return letter
    }()
}
