import Foundation
import Synchronization

/// How the wire format treats a Swift type, worked out once per type and cached: answering
/// "is this an array / map / optional / oneof message?" by protocol-conformance checks on every
/// field costs more than the rest of the field's encoding.
enum WireKind: Sendable {
    case string, bytes, timestamp, uuid
    /// Bool, integers, Float, Double.
    case scalar
    case optional
    /// `elementNestable`: the element is itself an array, map or optional (unsupported).
    case array(elementNestable: Bool, elementScalar: Bool,
               encodable: (any WireRepeatedEncodable.Type)?, decodable: (any WireRepeatedDecodable.Type)?)
    /// `supported`: the key type can be a protobuf map key; `valueNestable`: unsupported value.
    case map(supported: Bool, valueNestable: Bool)
    /// A message, an enum or a single-value wrapper, with its oneof groups if it declares any.
    case other(oneofs: [[Int]]?)

    static func of(_ type: Any.Type) -> WireKind {
        let id = ObjectIdentifier(type)
        if let kind = cache.withLock({ $0[id] }) { return kind }
        let kind = classify(type)
        cache.withLock { $0[id] = kind }
        return kind
    }

    private static let cache = Mutex<[ObjectIdentifier: WireKind]>([:])

    private static func classify(_ type: Any.Type) -> WireKind {
        if type == String.self { return .string }
        if type == Data.self { return .bytes }
        if type == Date.self { return .timestamp }
        if type == UUID.self { return .uuid }
        if type is any WireScalar.Type { return .scalar }
        if let shaped = type as? any WireShaped.Type {
            switch shaped.wireShape {
            case .optional:
                return .optional
            case .array(let element):
                return .array(elementNestable: isNestableContainer(element), elementScalar: element is any WireScalar.Type,
                              encodable: type as? any WireRepeatedEncodable.Type,
                              decodable: type as? any WireRepeatedDecodable.Type)
            case .dictionary(_, let value):
                let supported = type is any WireMapEncodable.Type || type is any WireMapDecodable.Type
                return .map(supported: supported, valueNestable: isNestableContainer(value))
            }
        }
        return .other(oneofs: (type as? any ProtobufOneofs.Type)?.protobufOneofs)
    }
}

/// A few recently used kinds, per encode/decode call: a message type's kind is needed each time
/// one of its values ends, and a linear scan of a handful of entries beats the shared cache's lock.
struct WireKindMemo {
    private var types: [ObjectIdentifier] = []
    private var kinds: [WireKind] = []
    private var next = 0

    mutating func kind(of type: Any.Type) -> WireKind {
        let id = ObjectIdentifier(type)
        for index in types.indices where types[index] == id {
            return kinds[index]
        }
        let kind = WireKind.of(type)
        if types.count < 8 {
            types.append(id)
            kinds.append(kind)
        } else {
            types[next] = id
            kinds[next] = kind
            next = (next + 1) % 8
        }
        return kind
    }
}
