import Foundation
import ProtoDescriptors
import Wire

// The parts of google/protobuf/descriptor.proto the contract test compares, read with our own
// wire decoder from the FileDescriptorProtos compiled from proto-notes/ (Shared/ProtoDescriptors).
// Enum-typed descriptor fields are read as Int32 so that values this file does not list still parse.

struct FileDescriptorProto: Decodable {
    var name = ""
    var package = ""
    var messageType: [DescriptorProto] = []
    var enumType: [EnumDescriptorProto] = []
    var service: [ServiceDescriptorProto] = []
    enum CodingKeys: Int, CodingKey { case name = 1, package = 2, messageType = 4, enumType = 5, service = 6 }
}

struct DescriptorProto: Decodable {
    var name = ""
    var field: [FieldDescriptorProto] = []
    var nestedType: [DescriptorProto] = []
    var enumType: [EnumDescriptorProto] = []
    var options: MessageOptions?
    var oneofDecl: [OneofDescriptorProto] = []
    enum CodingKeys: Int, CodingKey { case name = 1, field = 2, nestedType = 3, enumType = 4, options = 7, oneofDecl = 8 }
}

struct MessageOptions: Decodable {
    var mapEntry = false
    enum CodingKeys: Int, CodingKey { case mapEntry = 7 }
}

struct OneofDescriptorProto: Decodable {
    var name = ""
    enum CodingKeys: Int, CodingKey { case name = 1 }
}

struct FieldDescriptorProto: Decodable {
    var name = ""
    var number: Int32 = 0
    var label: Int32 = 0
    var type: Int32 = 0
    var typeName = ""
    var oneofIndex: Int32?
    var proto3Optional = false
    enum CodingKeys: Int, CodingKey {
        case name = 1, number = 3, label = 4, type = 5, typeName = 6, oneofIndex = 9, proto3Optional = 17
    }

    static let labelRepeated: Int32 = 3
    var isRepeated: Bool { label == Self.labelRepeated }
    /// A member of a real (not synthetic proto3-optional) oneof.
    var isOneofMember: Bool { oneofIndex != nil && !proto3Optional }

    /// descriptor.proto's FieldDescriptorProto.Type, by number.
    var typeDescription: String {
        let names: [Int32: String] = [1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64",
                                      7: "fixed32", 8: "bool", 9: "string", 10: "group", 11: "message", 12: "bytes",
                                      13: "uint32", 14: "enum", 15: "sfixed32", 16: "sfixed64", 17: "sint32", 18: "sint64"]
        let base = names[type] ?? "type \(type)"
        return typeName.isEmpty ? base : "\(base) \(typeName.dropFirst())"
    }
}

struct EnumDescriptorProto: Decodable {
    var name = ""
    var value: [EnumValueDescriptorProto] = []
    enum CodingKeys: Int, CodingKey { case name = 1, value = 2 }
}

struct EnumValueDescriptorProto: Decodable {
    var name = ""
    var number: Int32 = 0
    enum CodingKeys: Int, CodingKey { case name = 1, number = 2 }
}

struct ServiceDescriptorProto: Decodable {
    var name = ""
    var method: [MethodDescriptorProto] = []
    enum CodingKeys: Int, CodingKey { case name = 1, method = 2 }
}

struct MethodDescriptorProto: Decodable {
    var name = ""
    var inputType = ""
    var outputType = ""
    var clientStreaming = false
    var serverStreaming = false
    enum CodingKeys: Int, CodingKey {
        case name = 1, inputType = 2, outputType = 3, clientStreaming = 5, serverStreaming = 6
    }
}

/// Every message, enum and service of the published files, by fully qualified name (no leading dot).
struct ProtoDescriptorSet {
    var messages: [String: DescriptorProto] = [:]
    var enums: [String: EnumDescriptorProto] = [:]
    var services: [String: ServiceDescriptorProto] = [:]

    init(files: [[UInt8]] = ProtoDescriptors.all) throws {
        for bytes in files {
            let file = try ProtobufDecoder().decode(FileDescriptorProto.self, from: bytes)
            let prefix = file.package.isEmpty ? "" : file.package + "."
            for message in file.messageType { add(message, prefix: prefix) }
            for enumeration in file.enumType { enums[prefix + enumeration.name] = enumeration }
            for service in file.service { services[prefix + service.name] = service }
        }
    }

    private mutating func add(_ message: DescriptorProto, prefix: String) {
        let name = prefix + message.name
        messages[name] = message
        for nested in message.nestedType { add(nested, prefix: name + ".") }
        for enumeration in message.enumType { enums[name + "." + enumeration.name] = enumeration }
    }
}
