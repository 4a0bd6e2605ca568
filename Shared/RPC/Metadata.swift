/// gRPC custom metadata: an ordered list of lower-case names with text or binary values.
/// Binary values travel base64-encoded under names ending in `-bin` (the gRPC convention).
public struct Metadata: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public enum EntryValue: Sendable, Hashable {
        case text(String)
        case binary([UInt8])
    }

    public struct Entry: Sendable, Hashable {
        public var name: String
        public var value: EntryValue
    }

    private(set) var entries: [Entry] = []

    public init() {}

    public typealias Key = String
    public typealias Value = String

    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { add(name, value) }
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    /// Adds a text value. Names are lower-cased (HTTP/2 requires it).
    public mutating func add(_ name: String, _ value: String) {
        entries.append(Entry(name: name.lowercased(), value: .text(value)))
    }

    /// Adds a binary value; the name must end in `-bin` (it is appended when missing).
    public mutating func addBinary(_ name: String, _ value: [UInt8]) {
        var name = name.lowercased()
        if !name.hasSuffix("-bin") { name += "-bin" }
        entries.append(Entry(name: name, value: .binary(value)))
    }

    public mutating func append(_ entry: Entry) {
        entries.append(entry)
    }

    /// Replaces every value of `name` with one text value.
    public mutating func set(_ name: String, _ value: String) {
        let name = name.lowercased()
        entries.removeAll { $0.name == name }
        entries.append(Entry(name: name, value: .text(value)))
    }

    public mutating func remove(_ name: String) {
        let name = name.lowercased()
        entries.removeAll { $0.name == name }
    }

    /// The first text value under `name`.
    public subscript(_ name: String) -> String? {
        for entry in entries where entry.name == name {
            if case .text(let text) = entry.value { return text }
        }
        return nil
    }

    /// The first binary value under `name` (with or without the `-bin` suffix).
    public func binary(_ name: String) -> [UInt8]? {
        let name = name.hasSuffix("-bin") ? name : name + "-bin"
        for entry in entries where entry.name == name {
            if case .binary(let bytes) = entry.value { return bytes }
        }
        return nil
    }

    /// Every value under `name`.
    public func values(_ name: String) -> [EntryValue] {
        entries.filter { $0.name == name }.map(\.value)
    }

    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }

    public var description: String {
        "[" + entries.map { entry in
            switch entry.value {
            case .text(let text): "\(entry.name): \(text)"
            case .binary(let bytes): "\(entry.name): <\(bytes.count) bytes>"
            }
        }.joined(separator: ", ") + "]"
    }
}

extension Metadata {
    /// Header names that belong to HTTP/2 or gRPC itself and never appear as custom metadata.
    static func isReserved(_ name: String) -> Bool {
        if name.hasPrefix(":") { return true }
        switch name {
        case "content-type", "te", "user-agent", "content-length", "host", "connection",
            "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-status", "grpc-message",
            "grpc-status-details-bin", "accept-encoding", "content-encoding":
            return true
        default:
            return false
        }
    }

    /// Adds a header received off the wire, decoding `-bin` values. Returns false when a
    /// `-bin` value is not valid base64.
    mutating func appendWire(name: String, value: String) -> Bool {
        if name.hasSuffix("-bin") {
            guard let bytes = Base64.decode(value) else { return false }
            entries.append(Entry(name: name, value: .binary(bytes)))
        } else {
            entries.append(Entry(name: name, value: .text(value)))
        }
        return true
    }

    /// (name, value) pairs as they go on the wire: binary values base64-encoded.
    var wirePairs: [(String, String)] {
        entries.map { entry in
            switch entry.value {
            case .text(let text): (entry.name, text)
            case .binary(let bytes): (entry.name, Base64.encode(bytes))
            }
        }
    }
}
