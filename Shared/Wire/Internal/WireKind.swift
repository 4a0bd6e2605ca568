import Foundation
import Synchronization

/// A message type that declares oneof groups. A metatype, not the groups themselves, so that
/// kinds and encoder slots stay trivially copyable (no reference counting on the hot path).
typealias OneofGroups = any ProtobufOneofs.Type

/// How the wire format treats a Swift type, worked out once per type and cached: answering
/// "is this an array / map / optional / oneof message?" by protocol-conformance checks on every
/// field costs more than the rest of the field's encoding.
enum WireKind: Sendable {
    case string, bytes, timestamp, uuid
    /// Bool, integers, Float, Double.
    case scalar(any WireScalar.Type)
    case optional
    /// `elementNestable`: the element is itself an array, map or optional (unsupported).
    case array(elementNestable: Bool, scalars: (any WireScalarArray.Type)?,
               encodable: (any WireRepeatedEncodable.Type)?, decodable: (any WireRepeatedDecodable.Type)?)
    /// `supported`: the key type can be a protobuf map key; `valueNestable`: unsupported value.
    case map(supported: Bool, valueNestable: Bool)
    /// A message, an enum or a single-value wrapper, with its oneof groups if it declares any.
    case other(oneofs: OneofGroups?)

    static func of(_ type: Any.Type) -> WireKind {
        let id = ObjectIdentifier(type)
        if let kind = cache.withLock({ $0.lookup(id) }) { return kind }
        let kind = classify(type)
        cache.withLock { $0.insert(id, kind) }
        return kind
    }

    /// The oneof groups of a message type (nil for most types).
    static func oneofs(of type: Any.Type) -> OneofGroups? {
        if case .other(let oneofs) = of(type) { return oneofs }
        return nil
    }

    private static let cache = Mutex(KindTable())

    /// Open addressing on the type's metadata address with a multiplicative hash: a lookup is a
    /// few instructions, where a Dictionary would run SipHash on every field.
    private struct KindTable {
        var keys: [UInt] = Array(repeating: 0, count: 256)
        var values: [WireKind?] = Array(repeating: nil, count: 256)
        var count = 0

        private func slot(_ key: UInt, _ capacity: Int) -> Int {
            Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & (capacity - 1)
        }

        func lookup(_ id: ObjectIdentifier) -> WireKind? {
            let key = UInt(bitPattern: id)
            var index = slot(key, keys.count)
            while keys[index] != 0 {
                if keys[index] == key { return values[index] }
                index = (index + 1) & (keys.count - 1)
            }
            return nil
        }

        mutating func insert(_ id: ObjectIdentifier, _ kind: WireKind) {
            if lookup(id) != nil { return }
            if (count + 1) * 2 > keys.count {
                let oldKeys = keys
                let oldValues = values
                keys = Array(repeating: 0, count: oldKeys.count * 2)
                values = Array(repeating: nil, count: oldKeys.count * 2)
                count = 0
                for index in oldKeys.indices where oldKeys[index] != 0 {
                    if let kind = oldValues[index] { place(oldKeys[index], kind) }
                }
            }
            place(UInt(bitPattern: id), kind)
        }

        private mutating func place(_ key: UInt, _ kind: WireKind) {
            var index = slot(key, keys.count)
            while keys[index] != 0 { index = (index + 1) & (keys.count - 1) }
            keys[index] = key
            values[index] = kind
            count += 1
        }
    }

    private static func classify(_ type: Any.Type) -> WireKind {
        if type == String.self { return .string }
        if type == Data.self { return .bytes }
        if type == Date.self { return .timestamp }
        if type == UUID.self { return .uuid }
        if let scalar = type as? any WireScalar.Type { return .scalar(scalar) }
        if let shaped = type as? any WireShaped.Type {
            switch shaped.wireShape {
            case .optional:
                return .optional
            case .array(let element):
                return .array(elementNestable: isNestableContainer(element),
                              scalars: element is any WireScalar.Type ? type as? any WireScalarArray.Type : nil,
                              encodable: type as? any WireRepeatedEncodable.Type,
                              decodable: type as? any WireRepeatedDecodable.Type)
            case .dictionary(_, let value):
                let supported = type is any WireMapEncodable.Type || type is any WireMapDecodable.Type
                return .map(supported: supported, valueNestable: isNestableContainer(value))
            }
        }
        return .other(oneofs: type as? any ProtobufOneofs.Type)
    }
}
