import Foundation
import Wire

// Swift mirrors of Tests/python/protos/wire_test.proto, field for field. The property
// defaults are the proto3 defaults, so decoding absent fields gives `Type()`.

enum Sifat: Int32, Codable, Sendable, Hashable {
    case biasa = 0
    case penting = 1
    case rahasia = 2
    case segera = 3
}

struct Scalars: Codable, Equatable, Sendable {
    var flag = false
    var small: Int32 = 0
    var big: Int64 = 0
    var word: UInt32 = 0
    var wide: UInt64 = 0
    var real: Float = 0
    var precise: Double = 0
    var text = ""
    var blob = Data()
    var native = 0
    var unative: UInt = 0

    enum CodingKeys: Int, CodingKey {
        case flag = 1, small, big, word, wide, real, precise, text, blob, native, unative
    }
}

struct Inner: Codable, Hashable, Sendable {
    var name = ""
    var count: Int32 = 0

    enum CodingKeys: Int, CodingKey {
        case name = 1, count
    }
}

struct Presence: Codable, Equatable, Sendable {
    var flag: Bool?
    var small: Int32?
    var text: String?
    var precise: Double?
    var sifat: Sifat?
    var inner: Inner?
    var blob: Data?
    var when: Date?

    enum CodingKeys: Int, CodingKey {
        case flag = 1, small, text, precise, sifat, inner, blob, when
    }
}

struct Repeated: Codable, Equatable, Sendable {
    var ints: [Int32] = []
    var unpackedInts: [Int32] = []
    var doubles: [Double] = []
    var bools: [Bool] = []
    var names: [String] = []
    var blobs: [Data] = []
    var inners: [Inner] = []
    var sifats: [Sifat] = []
    var wides: [UInt64] = []
    var floats: [Float] = []
    var times: [Date] = []

    enum CodingKeys: Int, CodingKey {
        case ints = 1, unpackedInts, doubles, bools, names, blobs, inners, sifats, wides, floats, times
    }
}

struct Maps: Codable, Equatable, Sendable {
    var labels: [String: String] = [:]
    var byID: [Int32: Inner] = [:]
    var flags: [Bool: Int64] = [:]
    var weights: [UInt64: Double] = [:]
    var sifats: [String: Sifat] = [:]
    var blobs: [Int64: Data] = [:]

    enum CodingKeys: Int, CodingKey {
        case labels = 1, byID, flags, weights, sifats, blobs
    }
}

struct Addressee: Codable, Equatable, Sendable {
    var name = ""
    var office = ""
    var endpoint = ""

    enum CodingKeys: Int, CodingKey {
        case name = 1, office, endpoint
    }
}

/// `oneof delivery { string email = 10; int64 desa_id = 11; }` is written as two optionals,
/// at most one of them set (the convention in proto-notes/wire-format.md).
struct Letter: Codable, Equatable, Sendable, ProtobufOneofs {
    static let protobufOneofs = [[10, 11]]

    var id: UUID?
    var perihal = ""
    var sifat = Sifat.biasa
    var createdAt = Date(timeIntervalSince1970: 0)
    var addressees: [Addressee] = []
    var tembusan: [String] = []
    var labels: [String: String] = [:]
    var signedAt: Date?
    var email: String?
    var desaID: Int64?
    var body = Data()

    enum CodingKeys: Int, CodingKey {
        case id = 1, perihal, sifat, createdAt, addressees, tembusan, labels, signedAt
        case email = 10, desaID, body
    }
}

/// The Date a google.protobuf.Timestamp{seconds, nanos} decodes to: the nearest Double in
/// Date's own time base (seconds since 2001-01-01).
func timestamp(_ seconds: Int64, _ nanos: Int32 = 0) -> Date {
    Date(timeIntervalSinceReferenceDate: Double(seconds - 978_307_200) + Double(nanos) / 1e9)
}
