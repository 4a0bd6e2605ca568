import Foundation
import Wire

// gRPC server reflection (grpc.reflection.v1 and v1alpha: the same messages under two names),
// so grpcurl and other tools can list, describe and call our services without .proto files.
// The descriptors served are the FileDescriptorProtos compiled from proto-notes/ (see
// Shared/ProtoDescriptors), decoded here with our own wire decoder just far enough to index
// which file defines which symbol.

struct ReflectionRequest: Codable, Sendable {
    var host = ""
    var fileByFilename: String?
    var fileContainingSymbol: String?
    var fileContainingExtension: ExtensionRequest?
    var allExtensionNumbersOfType: String?
    var listServices: String?

    enum CodingKeys: Int, CodingKey {
        case host = 1, fileByFilename = 3, fileContainingSymbol = 4, fileContainingExtension = 5
        case allExtensionNumbersOfType = 6, listServices = 7
    }
}

struct ExtensionRequest: Codable, Sendable {
    var containingType = ""
    var extensionNumber: Int32 = 0
    enum CodingKeys: Int, CodingKey { case containingType = 1, extensionNumber = 2 }
}

struct ReflectionResponse: Codable, Sendable {
    var validHost = ""
    var originalRequest: ReflectionRequest?
    var fileDescriptorResponse: FileDescriptorResponse?
    var allExtensionNumbersResponse: ExtensionNumberResponse?
    var listServicesResponse: ListServiceResponse?
    var errorResponse: ReflectionError?

    enum CodingKeys: Int, CodingKey {
        case validHost = 1, originalRequest = 2, fileDescriptorResponse = 4
        case allExtensionNumbersResponse = 5, listServicesResponse = 6, errorResponse = 7
    }
}

struct FileDescriptorResponse: Codable, Sendable {
    var fileDescriptorProto: [Data] = []
    enum CodingKeys: Int, CodingKey { case fileDescriptorProto = 1 }
}

struct ExtensionNumberResponse: Codable, Sendable {
    var baseTypeName = ""
    var extensionNumber: [Int32] = []
    enum CodingKeys: Int, CodingKey { case baseTypeName = 1, extensionNumber = 2 }
}

struct ListServiceResponse: Codable, Sendable {
    var service: [ServiceName] = []
    enum CodingKeys: Int, CodingKey { case service = 1 }
}

struct ServiceName: Codable, Sendable {
    var name = ""
    enum CodingKeys: Int, CodingKey { case name = 1 }
}

struct ReflectionError: Codable, Sendable {
    var errorCode: Int32 = 0
    var errorMessage = ""
    enum CodingKeys: Int, CodingKey { case errorCode = 1, errorMessage = 2 }
}

// The parts of google/protobuf/descriptor.proto the index needs; other fields are skipped.
private struct FileDescriptorProto: Decodable {
    var name = ""
    var package = ""
    var dependency: [String] = []
    var messageType: [DescriptorProto] = []
    var enumType: [NamedDescriptor] = []
    var service: [ServiceDescriptorProto] = []
    var `extension`: [FieldDescriptorProto] = []
    enum CodingKeys: Int, CodingKey {
        case name = 1, package = 2, dependency = 3, messageType = 4, enumType = 5, service = 6, `extension` = 7
    }
}

private struct DescriptorProto: Decodable {
    var name = ""
    var nestedType: [DescriptorProto] = []
    var enumType: [NamedDescriptor] = []
    var `extension`: [FieldDescriptorProto] = []
    enum CodingKeys: Int, CodingKey { case name = 1, nestedType = 3, enumType = 4, `extension` = 6 }
}

private struct FieldDescriptorProto: Decodable {
    var name = ""
    var number: Int32 = 0
    var extendee = ""
    enum CodingKeys: Int, CodingKey { case name = 1, number = 3, extendee = 2 }
}

private struct NamedDescriptor: Decodable {
    var name = ""
    enum CodingKeys: Int, CodingKey { case name = 1 }
}

private struct ServiceDescriptorProto: Decodable {
    var name = ""
    var method: [NamedDescriptor] = []
    enum CodingKeys: Int, CodingKey { case name = 1, method = 2 }
}

/// Which file defines which symbol, and each file's dependencies.
struct DescriptorIndex: Sendable {
    private(set) var files: [String: Data] = [:]
    private(set) var dependencies: [String: [String]] = [:]
    private(set) var symbols: [String: String] = [:]
    private(set) var extensions: [String: [Int32: String]] = [:]

    init(files serialized: [[UInt8]]) throws {
        for bytes in serialized {
            let file = try ProtobufDecoder().decode(FileDescriptorProto.self, from: bytes)
            files[file.name] = Data(bytes)
            dependencies[file.name] = file.dependency
            let prefix = file.package.isEmpty ? "" : file.package + "."
            for message in file.messageType { index(message, prefix: prefix, file: file.name) }
            for enumeration in file.enumType { symbols[prefix + enumeration.name] = file.name }
            for service in file.service {
                symbols[prefix + service.name] = file.name
                for method in service.method { symbols[prefix + service.name + "." + method.name] = file.name }
            }
            for field in file.extension { addExtension(field, file: file.name) }
        }
    }

    private mutating func index(_ message: DescriptorProto, prefix: String, file: String) {
        let name = prefix + message.name
        symbols[name] = file
        for nested in message.nestedType { index(nested, prefix: name + ".", file: file) }
        for enumeration in message.enumType { symbols[name + "." + enumeration.name] = file }
        for field in message.extension { addExtension(field, file: file) }
    }

    private mutating func addExtension(_ field: FieldDescriptorProto, file: String) {
        let extendee = field.extendee.hasPrefix(".") ? String(field.extendee.dropFirst()) : field.extendee
        extensions[extendee, default: [:]][field.number] = file
    }

    /// The file and everything it imports, transitively, the file itself first.
    func closure(of fileName: String) -> [Data] {
        var seen: Set<String> = []
        var order: [String] = []
        func visit(_ name: String) {
            guard !seen.contains(name), files[name] != nil else { return }
            seen.insert(name)
            order.append(name)
            for dependency in dependencies[name] ?? [] { visit(dependency) }
        }
        visit(fileName)
        return order.compactMap { files[$0] }
    }
}

enum ReflectionService {
    static func descriptors(index: DescriptorIndex, serviceNames: @escaping @Sendable () -> [String]) -> [ServiceDescriptor] {
        [StandardServices.reflectionV1, StandardServices.reflectionV1Alpha].map { name in
            var descriptor = ServiceDescriptor(name: name)
            descriptor.bidirectionalStreaming("ServerReflectionInfo") { requests, writer, _ in
                for try await bytes in requests {
                    let request = try ProtobufDecoder().decode(ReflectionRequest.self, from: bytes)
                    let response = answer(request, index: index, serviceNames: serviceNames())
                    await writer.send(try ProtobufEncoder().encode(response))
                }
            }
            return descriptor
        }
    }

    static func answer(_ request: ReflectionRequest, index: DescriptorIndex, serviceNames: [String]) -> ReflectionResponse {
        var response = ReflectionResponse(validHost: request.host, originalRequest: request)
        func notFound(_ what: String) {
            response.errorResponse = ReflectionError(errorCode: Int32(RPCError.Code.notFound.rawValue), errorMessage: what)
        }
        if request.listServices != nil {
            response.listServicesResponse = ListServiceResponse(service: serviceNames.sorted().map { ServiceName(name: $0) })
        } else if let fileName = request.fileByFilename {
            let files = index.closure(of: fileName)
            if files.isEmpty { notFound("unknown file \(fileName)") } else {
                response.fileDescriptorResponse = FileDescriptorResponse(fileDescriptorProto: files)
            }
        } else if let symbol = request.fileContainingSymbol {
            if let file = index.symbols[symbol] {
                response.fileDescriptorResponse = FileDescriptorResponse(fileDescriptorProto: index.closure(of: file))
            } else {
                notFound("unknown symbol \(symbol)")
            }
        } else if let request = request.fileContainingExtension {
            if let file = index.extensions[request.containingType]?[request.extensionNumber] {
                response.fileDescriptorResponse = FileDescriptorResponse(fileDescriptorProto: index.closure(of: file))
            } else {
                notFound("unknown extension \(request.extensionNumber) of \(request.containingType)")
            }
        } else if let type = request.allExtensionNumbersOfType {
            if index.symbols[type] != nil {
                response.allExtensionNumbersResponse = ExtensionNumberResponse(
                    baseTypeName: type, extensionNumber: (index.extensions[type] ?? [:]).keys.sorted())
            } else {
                notFound("unknown type \(type)")
            }
        } else {
            response.errorResponse = ReflectionError(errorCode: Int32(RPCError.Code.invalidArgument.rawValue),
                                                     errorMessage: "empty reflection request")
        }
        return response
    }
}
