import Foundation

/// The protobuf shape of a Swift message type, as our encoder and decoder see it: field numbers,
/// names, types, labels, enum values and oneof groups. Worked out by decoding the type from a
/// probing decoder that records what its `init(from:)` asks for, so it describes the code that
/// actually runs, not a second hand-written list. The contract test compares it with the
/// descriptors compiled from proto-notes/ (one source of truth: the `.proto`).
public struct MessageSchema: Sendable, Equatable {
    /// `String(reflecting:)` of the Swift type, for messages naming the drift.
    public var swiftName: String
    public var fields: [FieldSchema]
    /// Field numbers of each oneof group (`ProtobufOneofs`).
    public var oneofs: [[Int]]
}

public struct FieldSchema: Sendable, Equatable {
    public enum Label: Sendable, Equatable { case singular, optional, repeated }

    public var number: Int
    /// The `CodingKey`'s `stringValue` (the Swift property name).
    public var name: String
    public var label: Label
    public var type: SchemaType
}

public indirect enum SchemaType: Sendable, Equatable, CustomStringConvertible {
    case bool, int32, int64, uint32, uint64, float, double, string, bytes, timestamp, uuid
    /// A Swift enum over Int32 raw values, with the values it accepts.
    case enumeration(swiftName: String, values: [Int32: String])
    /// A Swift enum over String raw values (carried as `string`).
    case stringEnumeration(swiftName: String)
    /// A nested message: its schema is in the set under this Swift name.
    case message(swiftName: String)
    case map(key: SchemaType, value: SchemaType)

    public var description: String {
        switch self {
        case .bool: "bool"
        case .int32: "int32"
        case .int64: "int64"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .float: "float"
        case .double: "double"
        case .string: "string"
        case .bytes: "bytes"
        case .timestamp: "google.protobuf.Timestamp"
        case .uuid: "string (UUID)"
        case .enumeration(let name, _): "enum \(name)"
        case .stringEnumeration(let name): "string enum \(name)"
        case .message(let name): "message \(name)"
        case .map(let key, let value): "map<\(key), \(value)>"
        }
    }
}

public enum ProtobufSchema {
    /// The schema of `root` and of every message type reachable from it, by Swift name.
    public static func describe(_ root: any Decodable.Type) throws -> [String: MessageSchema] {
        let probe = SchemaProbe()
        _ = try probe.describeMessage(root)
        return probe.messages
    }

    /// A Swift property or type name in `.proto` snake_case: `requestID` -> `request_id`,
    /// `letterIDs` -> `letter_ids`, `OpenLetterRequest` -> `open_letter_request`, `pdfSHA256` -> `pdf_sha256`.
    public static func protoName(_ swiftName: String) -> String {
        let characters = Array(swiftName)
        var result = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase && index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                let pluralS = next == "s" && index + 2 == characters.count
                let startsWord = previous.isLowercase || previous.isNumber
                    || (previous.isUppercase && next?.isLowercase == true && !pluralS)
                if startsWord { result += "_" }
            }
            result += character.lowercased()
        }
        return result
    }

    /// The `.proto` scalar type a Swift scalar is read as (`int32` for Int32, `int64` for Int).
    public static func protoTypeName(of type: Any.Type) -> String {
        SchemaProbe.scalar(type)?.description ?? String(describing: type)
    }

    /// The Swift name `describe` files a message type under.
    public static func name(of type: Any.Type) -> String { String(reflecting: type) }
}

// MARK: - The probe

/// Thrown when a type cannot be built from probe values (its `init(from:)` rejects every
/// candidate): the contract test reports it rather than guessing.
public struct SchemaProbeError: Error, CustomStringConvertible {
    public var description: String
}

/// Containers that can be made empty without knowing their element type.
protocol SchemaEmptyConstructible {
    static var schemaEmpty: Self { get }
}

extension Array: SchemaEmptyConstructible { static var schemaEmpty: Self { [] } }
extension Dictionary: SchemaEmptyConstructible { static var schemaEmpty: Self { [:] } }
extension Optional: SchemaEmptyConstructible { static var schemaEmpty: Self { nil } }

final class SchemaProbe {
    var messages: [String: MessageSchema] = [:]
    private var inProgress: Set<String> = []

    /// What a single-value decode asked for, when a type decodes itself from one value.
    enum SingleValueRequest { case int32, string, other(Any.Type) }

    /// Builds a value of `type` and returns its schema type.
    func value<T: Decodable>(of type: T.Type) throws -> (T, SchemaType) {
        if let scalar = Self.scalar(type) { return (Self.zero(type)!, scalar) }
        if let shaped = type as? any WireShaped.Type, let empty = (type as? any SchemaEmptyConstructible.Type)?.schemaEmpty as? T {
            switch shaped.wireShape {
            case .array(let element):
                return (empty, try elementType(element))
            case .dictionary(let key, let value):
                return (empty, .map(key: try elementType(key), value: try elementType(value)))
            case .optional(let wrapped):
                return (empty, try elementType(wrapped))
            }
        }
        // A message (keyed container), an enum or a single-value wrapper.
        let name = ProtobufSchema.name(of: type)
        guard !inProgress.contains(name) else { throw SchemaProbeError(description: "\(name) contains itself") }
        let recorder = SingleValueRecorder()
        let decoder = KeyedProbeDecoder(probe: self, recorder: recorder)
        inProgress.insert(name)
        let message: T?
        do {
            message = try T(from: decoder)
            inProgress.remove(name)
        } catch {
            inProgress.remove(name)
            if recorder.request == nil { throw error }
            message = nil
        }
        if let message {
            if messages[name] == nil {
                messages[name] = MessageSchema(swiftName: name, fields: decoder.fields.sorted { $0.number < $1.number },
                                               oneofs: (type as? any ProtobufOneofs.Type)?.protobufOneofs ?? [])
            }
            return (message, .message(swiftName: name))
        }
        switch recorder.request {
        case .int32:
            var values: [Int32: String] = [:]
            var first: T?
            for raw in Int32(0)...1024 {
                if let value = try? T(from: SingleValueProbeDecoder(int32: raw)) {
                    values[raw] = String(describing: value)
                    first = first ?? value
                }
            }
            guard let first else { throw SchemaProbeError(description: "\(type): no Int32 value decodes") }
            if values.count > 1000 { return (first, .int32) }  // a wrapper around any Int32
            return (first, .enumeration(swiftName: ProtobufSchema.name(of: type), values: values))
        case .string:
            if let value = try? T(from: SingleValueProbeDecoder(int32: 0)) { return (value, .string) }
            if let iterable = type as? any CaseIterable.Type, let first = Self.firstCase(of: iterable) as? T {
                return (first, .stringEnumeration(swiftName: ProtobufSchema.name(of: type)))
            }
            throw SchemaProbeError(description: "\(type): decodes from a string but no value could be built")
        case .other(let inner):
            throw SchemaProbeError(description: "\(type): a single-value wrapper around \(inner) is not supported by the probe")
        case nil:
            throw SchemaProbeError(description: "\(type): cannot be built from probe values")
        }
    }

    private func elementType(_ type: Any.Type) throws -> SchemaType {
        guard let decodable = type as? any Decodable.Type else {
            throw SchemaProbeError(description: "\(type) is not Decodable")
        }
        return try value(of: decodable).1
    }

    func describeMessage<T: Decodable>(_ type: T.Type) throws -> MessageSchema {
        guard case .message(let name) = try value(of: type).1, let schema = messages[name] else {
            throw SchemaProbeError(description: "\(type) is not a message")
        }
        return schema
    }

    static func firstCase<C: CaseIterable>(of type: C.Type) -> Any? { C.allCases.first }

    static func scalar(_ type: Any.Type) -> SchemaType? {
        switch type {
        case is Bool.Type: .bool
        case is Int32.Type, is Int16.Type, is Int8.Type: .int32
        case is Int64.Type, is Int.Type: .int64
        case is UInt32.Type, is UInt16.Type, is UInt8.Type: .uint32
        case is UInt64.Type, is UInt.Type: .uint64
        case is Float.Type: .float
        case is Double.Type: .double
        case is String.Type: .string
        case is Data.Type: .bytes
        case is Date.Type: .timestamp
        case is UUID.Type: .uuid
        default: nil
        }
    }

    static func zero<T>(_ type: T.Type) -> T? {
        let values: [Any] = [false, Int32(0), Int16(0), Int8(0), Int64(0), 0, UInt32(0), UInt16(0), UInt8(0),
                             UInt64(0), UInt(0), Float(0), Double(0), "", Data(), Date(timeIntervalSince1970: 0),
                             UUID(uuid: (0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 0))]
        return values.lazy.compactMap { $0 as? T }.first
    }
}

final class SingleValueRecorder {
    var request: SchemaProbe.SingleValueRequest?
}

/// Decodes a message by handing out probe values and recording every field asked for.
final class KeyedProbeDecoder: Decoder {
    let probe: SchemaProbe
    let recorder: SingleValueRecorder
    var fields: [FieldSchema] = []
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(probe: SchemaProbe, recorder: SingleValueRecorder) {
        self.probe = probe
        self.recorder = recorder
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(KeyedProbeContainer<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw SchemaProbeError(description: "unkeyed containers are not messages")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        RecordingSingleValueContainer(recorder: recorder)
    }

    func record<T: Decodable>(_ type: T.Type, key: some CodingKey, optional: Bool) throws -> T? {
        guard let number = key.intValue else {
            throw SchemaProbeError(description: "key \(key.stringValue) has no field number")
        }
        let (value, schemaType) = try probe.value(of: type)
        let label: FieldSchema.Label
        if optional {
            label = .optional
        } else if let shaped = type as? any WireShaped.Type, case .array = shaped.wireShape, type != Data.self {
            label = .repeated
        } else {
            label = .singular
        }
        fields.append(FieldSchema(number: number, name: key.stringValue, label: label, type: schemaType))
        return optional ? nil : value
    }
}

struct KeyedProbeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: KeyedProbeDecoder
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.record(type, key: key, optional: false)!
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try decoder.record(type, key: key, optional: true)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder.record(type, key: key, optional: false)! }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder.record(type, key: key, optional: false)! }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try decoder.record(type, key: key, optional: true) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try decoder.record(type, key: key, optional: true) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw SchemaProbeError(description: "nested keyed containers have no protobuf mapping (\(key.stringValue))")
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw SchemaProbeError(description: "nested unkeyed containers have no protobuf mapping (\(key.stringValue))")
    }

    func superDecoder() throws -> any Decoder { throw SchemaProbeError(description: "super decoders are not supported") }
    func superDecoder(forKey key: Key) throws -> any Decoder { try superDecoder() }
}

/// Records what a type that decodes itself from a single value asks for, and fails: the probe
/// then builds the type from `SingleValueProbeDecoder` instead.
struct RecordingSingleValueContainer: SingleValueDecodingContainer {
    let recorder: SingleValueRecorder
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is Int32.Type: recorder.request = .int32
        case is String.Type: recorder.request = .string
        default: recorder.request = .other(type)
        }
        throw SchemaProbeError(description: "single value")
    }
}

/// A decoder holding one value: `int32` for Int32 requests, `""` for String requests.
struct SingleValueProbeDecoder: Decoder, SingleValueDecodingContainer {
    let int32: Int32
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw SchemaProbeError(description: "not a message")
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw SchemaProbeError(description: "not a message") }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { false }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let value = int32 as? T { return value }
        if let value = "" as? T { return value }
        throw SchemaProbeError(description: "\(type) is not a probe value")
    }
}
