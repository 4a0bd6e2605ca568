import Foundation
import Wire

/// Compares Swift message schemas (as our encoder sees them) with the proto descriptors, and
/// lists every difference in words an integrator would use: proto names first, Swift names after.
struct ContractComparison {
    let protos: ProtoDescriptorSet
    let swift: [String: MessageSchema]
    private(set) var differences: [String] = []
    private var compared: Set<String> = []

    init(protos: ProtoDescriptorSet, swift: [String: MessageSchema]) {
        self.protos = protos
        self.swift = swift
    }

    /// `protoName` fully qualified without the leading dot; `swiftName` as ProtobufSchema names it.
    mutating func compareMessage(proto protoName: String, swift swiftName: String) {
        let pairKey = protoName + " <-> " + swiftName
        guard compared.insert(pairKey).inserted else { return }
        guard let message = protos.messages[protoName] else {
            differences.append("\(protoName): no such message in proto-notes/")
            return
        }
        guard let schema = swift[swiftName] else {
            differences.append("\(protoName): the Swift type \(swiftName) could not be described")
            return
        }
        let where_ = "\(protoName) (Swift \(swiftName))"
        let swiftFields = Dictionary(schema.fields.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        for field in message.field {
            guard let swiftField = swiftFields[Int(field.number)] else {
                differences.append("\(where_): field \(field.name) = \(field.number) is missing in Swift")
                continue
            }
            compareField(field, swiftField, in: protoName, where_: where_)
        }
        let protoNumbers = Set(message.field.map { Int($0.number) })
        for field in schema.fields where !protoNumbers.contains(field.number) {
            differences.append("\(where_): Swift field \(field.name) = \(field.number) is not in the .proto")
        }
        var protoOneofs: [Int32: Set<Int>] = [:]
        for field in message.field where field.isOneofMember {
            protoOneofs[field.oneofIndex!, default: []].insert(Int(field.number))
        }
        let protoGroups = Set(protoOneofs.values)
        let swiftGroups = Set(schema.oneofs.map(Set.init))
        if protoGroups != swiftGroups {
            differences.append("\(where_): oneof groups differ: .proto \(protoGroups.map { $0.sorted() }), Swift \(swiftGroups.map { $0.sorted() })")
        }
    }

    private mutating func compareField(_ field: FieldDescriptorProto, _ swiftField: FieldSchema, in protoName: String, where_: String) {
        let here = "\(protoName).\(field.name) = \(field.number) (Swift \(swiftField.name))"
        if Self.normalized(field.name) != Self.normalized(swiftField.name) {
            differences.append("\(here): names differ")
        }
        let mapEntry = field.type == 11 ? protos.messages[String(field.typeName.dropFirst())].flatMap { $0.options?.mapEntry == true ? $0 : nil } : nil
        // Labels: repeated <-> array; proto3 `optional` or a oneof member <-> Swift optional; a
        // plain message field has presence in proto3, so a Swift optional or a plain struct both fit.
        let expectedLabels: [FieldSchema.Label]
        if mapEntry != nil {
            expectedLabels = [.singular]
        } else if field.isRepeated {
            expectedLabels = [.repeated]
        } else if field.proto3Optional || field.isOneofMember {
            expectedLabels = [.optional]
        } else if field.type == 11 {
            expectedLabels = [.singular, .optional]
        } else {
            expectedLabels = [.singular]
        }
        if !expectedLabels.contains(swiftField.label) {
            let protoLabel = field.isRepeated ? "repeated" : field.proto3Optional ? "optional" : field.isOneofMember ? "oneof member" : "singular"
            differences.append("\(here): .proto says \(protoLabel), Swift is \(swiftField.label)")
        }
        if let mapEntry {
            guard case .map(let key, let value) = swiftField.type,
                  let keyField = mapEntry.field.first(where: { $0.number == 1 }),
                  let valueField = mapEntry.field.first(where: { $0.number == 2 }) else {
                differences.append("\(here): .proto has a map, Swift has \(swiftField.type)")
                return
            }
            compareType(keyField, key, here: here + " map key", in: protoName)
            compareType(valueField, value, here: here + " map value", in: protoName)
            return
        }
        compareType(field, swiftField.type, here: here, in: protoName)
    }

    private mutating func compareType(_ field: FieldDescriptorProto, _ type: SchemaType, here: String, in protoName: String) {
        let referenced = String(field.typeName.dropFirst())
        switch (field.type, type) {
        case (1, .double), (2, .float), (3, .int64), (4, .uint64), (5, .int32), (8, .bool), (12, .bytes), (13, .uint32):
            return
        case (9, .string), (9, .uuid), (9, .stringEnumeration):
            return
        case (11, .timestamp) where referenced == "google.protobuf.Timestamp":
            return
        case (11, .message(let swiftName)) where referenced != "google.protobuf.Timestamp":
            compareMessage(proto: referenced, swift: swiftName)
        case (14, .enumeration(let swiftName, let values)):
            compareEnum(referenced, swiftName: swiftName, values: values, here: here)
        default:
            differences.append("\(here): .proto type \(field.typeDescription), Swift \(type)")
        }
    }

    private mutating func compareEnum(_ protoName: String, swiftName: String, values: [Int32: String], here: String) {
        guard compared.insert(protoName + " <-> " + swiftName).inserted else { return }
        guard let enumeration = protos.enums[protoName] else {
            differences.append("\(here): no enum \(protoName) in proto-notes/")
            return
        }
        let protoValues = Dictionary(enumeration.value.map { ($0.number, $0.name) }, uniquingKeysWith: { first, _ in first })
        for (number, name) in protoValues.sorted(by: { $0.key < $1.key }) {
            guard let swiftCase = values[number] else {
                differences.append("enum \(protoName) (Swift \(swiftName)): \(name) = \(number) is missing in Swift")
                continue
            }
            // SIFAT_SANGAT_RAHASIA <-> sangatRahasia: the Swift case names the value without the enum's prefix.
            if !Self.normalized(name).hasSuffix(Self.normalized(swiftCase)) {
                differences.append("enum \(protoName) (Swift \(swiftName)): \(name) = \(number) is Swift case \(swiftCase)")
            }
        }
        for (number, swiftCase) in values.sorted(by: { $0.key < $1.key }) where protoValues[number] == nil {
            differences.append("enum \(protoName) (Swift \(swiftName)): Swift case \(swiftCase) = \(number) is not in the .proto")
        }
    }

    /// `request_id` and `requestID` are the same name.
    static func normalized(_ name: String) -> String {
        name.lowercased().filter { $0 != "_" }
    }
}
