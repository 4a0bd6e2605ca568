import Foundation

/// The `Encoder` behind `ProtobufEncoder`: one object per `encode` call, writing every field
/// straight into one growing byte array.
///
/// Nested messages get a one-byte length placeholder that is patched when the message ends
/// (widened in place in the rare case it is 128 bytes or longer), so no per-message buffers
/// or size pre-pass are needed. Fields are written in the order `encode(to:)` produces them;
/// a message whose fields came out of ascending order is re-sorted once, when it ends.
final class EncodingState: Encoder {
    /// Where the value being encoded sits, and what it has written so far.
    struct Slot {
        enum Position: Equatable {
            case root
            case field(Int)
            case element(Int)
        }
        enum Opened: Equatable {
            case nothing, message, single, repeated
        }
        var position: Position
        /// Write the value even if it is the default (optional fields, map entries, elements).
        var presence: Bool
        var typeName: Any.Type
        /// Oneof groups of the message type, checked when the message ends.
        var oneofs: OneofGroups?
        var opened: Opened = .nothing
        var tagStart = 0
        var lengthAt = 0
        var messageStart = 0
        var lastField = 0
        var outOfOrder = false
        /// Offset of the length placeholder of an open packed run, or -1.
        var packedLengthAt = -1
    }

    static let maxDepth = 100

    // One EncodingState serves one synchronous `encode` call and its accesses never overlap,
    // so the per-access dynamic exclusivity checks (a measurable share of encoding) are off.
    @exclusivity(unchecked) var buffer: [UInt8] = []
    @exclusivity(unchecked) var path: [any CodingKey] = []
    @exclusivity(unchecked) var slot: Slot
    /// Nesting depth of the message being written (the top-level message is 0).
    @exclusivity(unchecked) var depth = -1
    /// Errors found in non-throwing `Encoder` methods, thrown when control returns to us.
    @exclusivity(unchecked) var deferredError: WireError?

    init(rootType: Any.Type) {
        slot = Slot(position: .root, presence: true, typeName: rootType)
        reserved = SizeHints.capacity(for: rootType)
        buffer.reserveCapacity(reserved)
    }

    private let reserved: Int

    var codingPath: [any CodingKey] { path }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    // MARK: Errors

    func error(_ code: WireError.Code, _ message: String, key: (any CodingKey)? = nil) -> WireError {
        var fullPath = path
        if let key { fullPath.append(key) }
        return WireError(code: code, message: message, type: slot.typeName, path: fullPath)
    }

    func deferError(_ error: WireError) {
        if deferredError == nil { deferredError = error }
    }

    func throwDeferred() throws {
        if let deferredError { throw deferredError }
    }

    func fieldNumber(_ key: some CodingKey) throws -> Int {
        guard let number = key.intValue else {
            throw error(.unsupportedType,
                        "coding key '\(key.stringValue)' has no Int raw value; declare `enum CodingKeys: Int, CodingKey` with the field numbers",
                        key: key)
        }
        guard WireFormat.isValidFieldNumber(number) else {
            throw error(.unsupportedType, "field number \(number) is outside 1...536870911 or in the reserved 19000...19999",
                        key: key)
        }
        return number
    }

    @inline(__always)
    func noteField(_ number: Int) {
        if number < slot.lastField { slot.outOfOrder = true }
        slot.lastField = number
    }

    // MARK: Top level

    func encodeRoot<T: Encodable>(_ value: T) throws {
        guard case .other(let oneofs) = WireKind.of(T.self) else {
            throw error(.unsupportedType, "the top-level value must be a message (a struct with Int CodingKeys), not \(T.self)")
        }
        slot.oneofs = oneofs
        try value.encode(to: self)
        try throwDeferred()
        if slot.opened == .message {
            try closeMessage(slot)
        }
        if buffer.count > reserved { SizeHints.record(buffer.count, for: T.self) }
    }

    // MARK: Encoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        switch slot.opened {
        case .nothing:
            openMessage()
        case .message:
            break
        case .single, .repeated:
            deferError(error(.unsupportedType, "\(slot.typeName) mixes a keyed container with other containers"))
        }
        return KeyedEncodingContainer(MessageEncodingContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        switch slot.position {
        case .root:
            deferError(error(.unsupportedType, "the top-level value must be a message, not a list (\(slot.typeName))"))
            return RepeatedEncodingContainer(encoder: self, field: 1)
        case .element:
            deferError(error(.unsupportedType, "nested arrays are not supported (\(slot.typeName))"))
            return RepeatedEncodingContainer(encoder: self, field: 1)
        case .field(let field):
            slot.opened = .repeated
            return RepeatedEncodingContainer(encoder: self, field: field)
        }
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleEncodingContainer(encoder: self)
    }
}
