import Foundation

// Encoding a field of any type: nested messages, packed and repeated fields, map entries.
extension EncodingState {
    // MARK: Fields of any type

    /// Encodes `value` as field `field` of the message in the current slot.
    func encodeField<T: Encodable>(_ value: T, field: Int, presence: Bool, key: (any CodingKey)?) throws {
        if T.self == String.self, let string = value as? String {
            writeString(string, field: field, presence: presence)
            return
        }
        if T.self == Date.self, let date = value as? Date {
            try writeTimestamp(date, field: field, presence: presence, key: key)
            return
        }
        if T.self == Data.self, let data = value as? Data {
            writeBytes(data, field: field, presence: presence)
            return
        }
        if T.self == UUID.self, let uuid = value as? UUID {
            writeUUID(uuid, field: field)
            return
        }
        let kind = WireKind.of(T.self)
        switch kind {
        case .optional:
            // `encode(Optional(x))` rather than `encodeIfPresent(x)`: same meaning, presence.
            if let wrapped = (value as? any OptionalEncodable)?.wrappedEncodable {
                try encodeField(wrapped, field: field, presence: true, key: key)
            }
            return
        case .map(let supported, let valueNestable):
            if let labels = value as? [String: String] {
                encodeStringMap(labels, field: field)
                return
            }
            guard supported, let map = value as? any WireMapEncodable else {
                throw error(.unsupportedType, "map type \(T.self) is not supported (keys must be String, Bool or an integer type)", key: key)
            }
            if valueNestable {
                throw error(.unsupportedType, "map type \(T.self) is not supported (no repeated, map or optional map values)", key: key)
            }
            try map.encodeWireMap(field: field, into: self)
            return
        case .array(let elementNestable, let scalars, let repeated, _):
            if elementNestable {
                throw error(.unsupportedType, "array type \(T.self) is not supported (no nested arrays, [T?] or arrays of maps)", key: key)
            }
            if let scalars {
                try encodePacked(scalars, value, field: field)
                return
            }
            if let repeated {
                try encodeRepeated(repeated, value, field: field, key: key)
                return
            }
        default:
            break
        }
        let oneofs: OneofGroups? = if case .other(let groups) = kind { groups } else { nil }
        try encodeNested(value, position: .field(field), presence: presence, key: key, oneofs: oneofs)
    }

    /// Runs `value.encode(to:)` in a fresh slot and closes whatever it opened.
    func encodeNested<T: Encodable>(_ value: T, position: Slot.Position, presence: Bool, key: (any CodingKey)?,
                                    oneofs: OneofGroups?) throws {
        let parent = slot
        let savedDepth = depth
        slot = Slot(position: position, presence: presence, typeName: T.self, oneofs: oneofs)
        slot.packedLengthAt = parent.packedLengthAt
        if let key { path.append(key) }
        try value.encode(to: self)
        try throwDeferred()
        depth = savedDepth
        if key != nil { path.removeLast() }
        let child = slot
        slot = parent
        slot.packedLengthAt = child.packedLengthAt
        switch child.opened {
        case .message:
            try closeMessage(child)
        case .repeated:
            if child.packedLengthAt >= 0 {
                Self.patchLength(&buffer, at: child.packedLengthAt,
                                 length: buffer.count - child.packedLengthAt - 1)
                slot.packedLengthAt = -1
            }
        case .single, .nothing:
            break
        }
    }

    private func encodePacked<A: WireScalarArray, T>(_ type: A.Type, _ value: T, field: Int) throws {
        guard let array = value as? A else { throw error(.unsupportedType, "internal: \(T.self) is not \(A.self)") }
        array.encodePacked(field: field, into: self)
    }

    private func encodeRepeated<A: WireRepeatedEncodable, T>(_ type: A.Type, _ value: T, field: Int, key: (any CodingKey)?) throws {
        if let key { path.append(key) }
        guard let array = value as? A else { throw error(.unsupportedType, "internal: \(T.self) is not \(A.self)", key: key) }
        try array.encodeRepeated(field: field, into: self)
        if key != nil { path.removeLast() }
    }

    /// One element of a repeated field of strings, bytes, timestamps, UUIDs, enums or messages.
    /// `elementChecked`: the caller already knows `T` is not an optional, array or map.
    func encodeElement<T: Encodable>(_ value: T, field: Int, index: Int, elementChecked: Bool = false,
                                     oneofs: OneofGroups? = nil) throws {
        if T.self == String.self, let string = value as? String {
            endPackedRun()
            writeString(string, field: field, presence: true)
        } else if T.self == Data.self, let data = value as? Data {
            endPackedRun()
            writeBytes(data, field: field, presence: true)
        } else if T.self == Date.self, let date = value as? Date {
            endPackedRun()
            try writeTimestamp(date, field: field, presence: true, key: ElementIndexKey(index))
        } else if T.self == UUID.self, let uuid = value as? UUID {
            endPackedRun()
            writeUUID(uuid, field: field)
        } else if elementChecked {
            try encodeNested(value, position: .element(field), presence: true, key: ElementIndexKey(index), oneofs: oneofs)
        } else {
            let what: String
            var groups: OneofGroups?
            switch WireKind.of(T.self) {
            case .optional: what = "optional elements ([T?])"
            case .array: what = "nested arrays"
            case .map: what = "arrays of maps"
            case .other(let oneofs): what = ""; groups = oneofs
            default: what = ""
            }
            guard what.isEmpty else {
                throw error(.unsupportedType, "\(what) are not supported: element type \(T.self)", key: ElementIndexKey(index))
            }
            try encodeNested(value, position: .element(field), presence: true, key: ElementIndexKey(index), oneofs: groups)
        }
    }

    /// `map<string, string>`, the common case, without generic dispatch per entry.
    func encodeStringMap(_ map: [String: String], field: Int) {
        for (key, value) in map.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            let keyLength = key.utf8.count
            let valueLength = value.utf8.count
            let entryLength = 2 + WireFormat.varintSize(UInt64(keyLength)) + keyLength
                + WireFormat.varintSize(UInt64(valueLength)) + valueLength
            WireFormat.appendTag(field, .lengthDelimited, to: &buffer)
            WireFormat.appendVarint(UInt64(entryLength), to: &buffer)
            Self.putString(&buffer, key, 1)
            Self.putString(&buffer, value, 2)
        }
    }

    func encodeMapEntry<K: WireMapKey & Encodable, V: Encodable>(key: K, value: V, field: Int) throws {
        let parent = slot
        let savedDepth = depth
        defer { depth = savedDepth }
        slot = Slot(position: .element(field), presence: true, typeName: V.self)
        openMessage()
        // Protobuf writes both key and value of every entry, defaults included.
        try encodeField(key, field: 1, presence: true, key: MapEntryKey.key)
        slot.lastField = 1
        try encodeField(value, field: 2, presence: true, key: MapEntryKey.value)
        let child = slot
        slot = parent
        try closeMessage(child)
    }
}
