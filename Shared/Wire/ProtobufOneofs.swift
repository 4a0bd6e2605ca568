/// A message with `oneof` groups. In Swift each member of a oneof is an optional property, at
/// most one of them set; declaring the groups (as field numbers) gives protobuf's semantics:
/// decoding keeps only the member that appears last on the wire, and encoding throws
/// `WireError` (`.invalidValue`) when two members of one group are set.
///
/// ```swift
/// struct Delivery: Codable, ProtobufOneofs {
///     var email: String?      // oneof target { string email = 10; int64 desa_id = 11; }
///     var desaID: Int64?
///     static let protobufOneofs = [[10, 11]]
///     enum CodingKeys: Int, CodingKey { case email = 10, desaID = 11 }
/// }
/// ```
public protocol ProtobufOneofs: SendableMetatype {
    /// The field numbers of each oneof group.
    static var protobufOneofs: [[Int]] { get }
}

enum Oneofs {
    /// Drops the records of every oneof member but the one seen last (protobuf clears a oneof
    /// when another member is parsed; later records of the same member still merge).
    static func keepLastMembers(_ groups: [[Int]], _ entries: inout [FieldEntry]) {
        for group in groups {
            guard let lastIndex = entries.lastIndex(where: { group.contains($0.field) }) else { continue }
            let winner = entries[lastIndex].field
            let cutoff = entries.lastIndex(where: { $0.field != winner && group.contains($0.field) }) ?? -1
            guard cutoff >= 0 else { continue }
            var kept: [FieldEntry] = []
            kept.reserveCapacity(entries.count)
            for (index, entry) in entries.enumerated()
            where !group.contains(entry.field) || (entry.field == winner && index > cutoff) {
                kept.append(entry)
            }
            entries = kept
        }
    }

    /// The first oneof group with two members among `fields`, if any.
    static func conflictingMembers(_ groups: [[Int]], _ fields: [Int]) -> [Int]? {
        for group in groups {
            let present = group.filter { fields.contains($0) }
            if present.count > 1 { return present }
        }
        return nil
    }
}
