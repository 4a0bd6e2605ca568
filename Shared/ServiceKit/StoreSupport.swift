import Domain
import Foundation
import GRDB
import Wire

/// Timestamps stored as integer milliseconds: what a call returns is exactly what a later read
/// returns (a stored idempotent response and a fresh query agree to the millisecond).
public enum StoredTime {
    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    public static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    /// `date` cut to whole milliseconds, as it will read back.
    public static func truncated(_ date: Date) -> Date { Self.date(millis(date)) }
}

/// Nested messages (content, actors, parafs) stored as their protobuf bytes.
public enum StoredMessage {
    public static func encode(_ value: some Encodable) throws -> Data { Data(try ProtobufEncoder().encode(value)) }
    public static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        try ProtobufDecoder().decode(type, from: [UInt8](data))
    }
}

/// Keyset paging: the token is the last row's sequence number, so rows inserted meanwhile never
/// shift a page.
public enum Paging {
    public static let defaultSize = 50
    public static let maxSize = 500

    public static func size(_ requested: Int32) throws(InvalidFieldError) -> Int {
        if requested < 0 || requested > maxSize {
            throw InvalidFieldError("page_size", "must be 0 (default \(defaultSize)) to \(maxSize), got \(requested)")
        }
        return requested == 0 ? defaultSize : Int(requested)
    }

    /// The sequence number to continue after; 0 for the first page.
    public static func after(_ token: String) throws(InvalidFieldError) -> Int64 {
        if token.isEmpty { return 0 }
        guard let value = Int64(token), value > 0 else {
            throw InvalidFieldError("page_token", "is not a token from a previous page")
        }
        return value
    }
}

/// Field checks shared by services, each throwing INVALID_ARGUMENT naming the field.
public enum FieldCheck {
    public static let maxIDLength = 128

    public static func id(_ value: String, _ field: String) throws(InvalidFieldError) {
        if value.isEmpty { throw InvalidFieldError(field, "is required") }
        if value.count > maxIDLength { throw InvalidFieldError(field, "is \(value.count) characters long, at most \(maxIDLength) allowed") }
    }

    public static func optionalID(_ value: String, _ field: String) throws(InvalidFieldError) {
        if value.count > maxIDLength { throw InvalidFieldError(field, "is \(value.count) characters long, at most \(maxIDLength) allowed") }
    }

    public static func digest(_ value: Data, _ field: String) throws(InvalidFieldError) {
        if value.count != 32 {
            throw InvalidFieldError(field, "must be a 32-byte SHA-256 digest, got \(value.count) bytes")
        }
    }

    public static func notes(_ value: String, required: Bool, max: Int) throws(InvalidFieldError) {
        try TextCheck.rejectControlCharacters(value, "notes", multiline: true)
        if required && value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw InvalidFieldError("notes", "are required: say what the drafter must change")
        }
        let length = value.unicodeScalars.count  // code points, as limits are documented
        if length > max { throw InvalidFieldError("notes", "are \(length) characters (Unicode code points) long, at most \(max) allowed") }
    }
}
