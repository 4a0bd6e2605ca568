import Foundation

// Decoding a field of any type: nested messages, repeated elements, map entries.
extension DecodingState {
    // MARK: Fields of any type

    @inline(__always)
    static func last(_ entries: [FieldEntry], _ field: Int) -> FieldEntry? {
        var index = entries.count
        while index > 0 {
            index -= 1
            if entries[index].field == field { return entries[index] }
        }
        return nil
    }

    /// A value a branch decoded for `T` after checking `T`'s identity (`T.self == String.self`) or
    /// conformance: a mismatch would be a bug in this decoder, so it is thrown, never a trap.
    func identical<V, T>(_ value: V, key: (any CodingKey)?) throws -> T {
        guard let result = value as? T else {
            throw error(.unsupportedType, "internal: decoded \(V.self) where \(T.self) was expected", key: key)
        }
        return result
    }

    func decodeField<T: Decodable>(_ type: T.Type, entries: [FieldEntry], field: Int, key: (any CodingKey)?) throws -> T {
        if T.self == String.self {
            return try identical(string(Self.last(entries, field), key: key), key: key)
        }
        if T.self == Date.self {
            return try identical(timestamp(entries, field: field, key: key), key: key)
        }
        if T.self == Data.self {
            return try identical(data(Self.last(entries, field), key: key), key: key)
        }
        if T.self == UUID.self {
            return try identical(uuid(Self.last(entries, field), key: key), key: key)
        }
        let kind = WireKind.of(T.self)
        switch kind {
        case .scalar(let scalarType):
            return try identical(decodeScalar(scalarType, Self.last(entries, field), key: key), key: key)
        case .optional:
            guard let optional = T.self as? any OptionalDecodable.Type else {
                throw error(.unsupportedType, "\(T.self) is not Decodable", key: key)
            }
            let present = Self.last(entries, field) != nil
            let decoded = try optional.wireDecode(present: present) { wrappedType in
                try self.decodeField(wrappedType, entries: entries, field: field, key: key)
            }
            return try identical(decoded, key: key)
        case .map(let supported, let valueNestable):
            if T.self == [String: String].self {
                return try identical(decodeStringMap(entries, field: field, key: key), key: key)
            }
            guard supported, let map = T.self as? any WireMapDecodable.Type else {
                throw error(.unsupportedType, "map type \(T.self) is not supported (keys must be String, Bool or an integer type)", key: key)
            }
            if valueNestable {
                throw error(.unsupportedType, "map type \(T.self) is not supported (no repeated, map or optional map values)", key: key)
            }
            if let key { path.append(key) }
            defer { if key != nil { path.removeLast() } }
            return try identical(map.decodeWireMap(entries: entries, field: field, from: self), key: key)
        case .array(let elementNestable, let scalars, _, let repeated):
            if elementNestable {
                throw error(.unsupportedType, "array type \(T.self) is not supported (no nested arrays, [T?] or arrays of maps)", key: key)
            }
            if T.self == [String].self {
                return try identical(decodeStrings(entries, field: field, key: key), key: key)
            }
            if let scalars {
                if let key { path.append(key) }
                defer { if key != nil { path.removeLast() } }
                return try identical(scalars.decodeScalars(entries: entries, field: field, from: self), key: key)
            }
            if let repeated {
                if let key { path.append(key) }
                defer { if key != nil { path.removeLast() } }
                return try identical(repeated.decodeRepeated(entries: entries, field: field, from: self), key: key)
            }
        default:
            break
        }
        let oneofs: OneofGroups? = if case .other(let groups) = kind { groups } else { nil }
        return try decodeNested(T.self, from: .field(entries, field: field), key: key, oneofs: oneofs)
    }

    private func decodeScalar<S: WireScalar>(_ type: S.Type, _ entry: FieldEntry?, key: (any CodingKey)?) throws -> S {
        try convert(scalar(entry, S.wireType, key: key), to: S.self, offset: entry?.start, key: key)
    }

    /// Runs `T(from:)` with `source` and restores the decoder afterwards, also when it throws.
    func decodeNested<T: Decodable>(_ type: T.Type, from newSource: Source, key: (any CodingKey)?, oneofs: OneofGroups?) throws -> T {
        let savedSource = source
        let savedType = typeName
        let savedDepth = depth
        let savedOneofs = self.oneofs
        self.oneofs = oneofs
        source = newSource
        typeName = T.self
        if let key { path.append(key) }
        defer {
            source = savedSource
            typeName = savedType
            depth = savedDepth
            self.oneofs = savedOneofs
            if key != nil { path.removeLast() }
        }
        do {
            return try T(from: self)
        } catch let decodingError as DecodingError {
            throw convert(decodingError)
        }
    }

    /// Errors thrown by Codable code itself (an enum's `init(rawValue:)` failing, say).
    func convert(_ decodingError: DecodingError) -> WireError {
        let context: DecodingError.Context
        switch decodingError {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            context = c
        @unknown default:
            return error(.invalidValue, "\(decodingError)")
        }
        var message = context.debugDescription
        // Swift's "Cannot initialize Sifat from invalid Int32 value 5" names a Swift type; say it
        // in the contract's words.
        if message.hasPrefix("Cannot initialize"), message.contains(" from invalid "),
           let value = message.split(separator: " ").last {
            message = "\(value) is not a value of this enum in the .proto"
        }
        if let underlying = context.underlyingError { message += " (\(underlying))" }
        return WireError(code: .invalidValue, message: message, type: typeName, path: context.codingPath)
    }

    /// One element of a repeated field that is not a packable scalar array.
    /// `elementChecked`: the caller already knows `T` is not an optional, array or map.
    func decodeElement<T: Decodable>(_ type: T.Type, _ entry: FieldEntry, index: Int, elementChecked: Bool = false,
                                     oneofs: OneofGroups? = nil) throws -> T {
        let key = ElementIndexKey(index)
        if T.self == String.self { return try identical(string(entry, key: key), key: key) }
        if T.self == Data.self { return try identical(data(entry, key: key), key: key) }
        if T.self == Date.self { return try identical(timestamp(element: entry, key: key), key: key) }
        if T.self == UUID.self { return try identical(uuid(entry, key: key), key: key) }
        if elementChecked {
            return try decodeNested(T.self, from: .element(entry), key: key, oneofs: oneofs)
        }
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
            throw error(.unsupportedType, "\(what) are not supported: element type \(T.self)", key: key)
        }
        return try decodeNested(T.self, from: .element(entry), key: key, oneofs: groups)
    }

    func decodeMapEntry<K: Decodable, V: Decodable>(_ entry: FieldEntry, index: Int, keyType: K.Type,
                                                   valueType: V.Type) throws -> (K, V) {
        let elementKey = ElementIndexKey(index)
        guard entry.wireType == .lengthDelimited else { throw wrongWireType(entry, expected: .lengthDelimited, key: elementKey) }
        var fields: [FieldEntry] = []
        try self.index(entry.start, entry.end, into: &fields)
        path.append(elementKey)
        defer { path.removeLast() }
        let key = try decodeField(K.self, entries: fields, field: 1, key: MapEntryKey.key)
        let value = try decodeField(V.self, entries: fields, field: 2, key: MapEntryKey.value)
        return (key, value)
    }
}
