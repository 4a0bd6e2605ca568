import ApprovalCore
import DraftingCore
import EchoService
import Foundation
import GatewayCore
import GatewayService
import Logging
import RegistryCore
import RegistryServer
import ServiceKit
import SigningCore
import Testing
import Wire
@testable import RPC

/// One source of truth: the Swift message types every server registers must be exactly the
/// messages of proto-notes/ (field names, numbers, types, labels, enums, nested messages, oneofs).
@Suite("Contract: registered Swift types = proto-notes/", .timeLimit(.minutes(5)))
struct ContractTests {
    @Test("every method every service registers matches its .proto")
    func registeredMethodsMatchProtos() throws {
        let services = try AllServices()
        defer { services.remove() }
        let protos = try ProtoDescriptorSet()
        var differences: [String] = []
        var checkedMethods = 0
        for service in services.descriptors {
            guard let protoService = protos.services[service.name] else {
                differences.append("service \(service.name) is registered but not in proto-notes/")
                continue
            }
            let protoMethods = Dictionary(protoService.method.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for name in service.methodNames {
                guard let method = protoMethods[name] else {
                    differences.append("\(service.name)/\(name) is registered but not in the .proto")
                    continue
                }
                guard let schemas = service.messageSchemas[name] else { continue }  // streaming (reflection, Watch): raw bytes
                if method.clientStreaming || method.serverStreaming {
                    differences.append("\(service.name)/\(name) is registered unary but streams in the .proto")
                }
                let described: [String: MessageSchema]
                do { described = try schemas.describe() } catch {
                    differences.append("\(service.name)/\(name): cannot describe the Swift types: \(error)")
                    continue
                }
                var comparison = ContractComparison(protos: protos, swift: described)
                comparison.compareMessage(proto: String(method.inputType.dropFirst()), swift: schemas.requestName)
                comparison.compareMessage(proto: String(method.outputType.dropFirst()), swift: schemas.responseName)
                differences += comparison.differences.map { "\(service.name)/\(name): \($0)" }
                checkedMethods += 1
            }
            for name in protoMethods.keys.sorted() where !service.methodNames.contains(name) {
                differences.append("\(service.name)/\(name) is in the .proto but not registered")
            }
        }
        // Every service of the system, not an accidentally empty list.
        #expect(checkedMethods > 60)
        let unique = Array(NSOrderedSet(array: differences)) as! [String]
        #expect(unique.isEmpty, "\(unique.count) differences:\n\(unique.joined(separator: "\n"))")
    }

    /// The comparison itself must see a drift: a Swift twin of grpc.health.v1.HealthCheckResponse
    /// with a wrong number, an extra field and a missing enum value.
    @Test("a drifted Swift type is reported")
    func driftIsReported() throws {
        let protos = try ProtoDescriptorSet()
        let described = try ProtobufSchema.describe(DriftedHealthResponse.self)
        var comparison = ContractComparison(protos: protos, swift: described)
        comparison.compareMessage(proto: "grpc.health.v1.HealthCheckResponse",
                                  swift: ProtobufSchema.name(of: DriftedHealthResponse.self))
        let text = comparison.differences.joined(separator: "\n")
        #expect(text.contains("field status = 1 is missing in Swift"), "\(text)")
        #expect(text.contains("Swift field status = 2 is not in the .proto"), "\(text)")

        let fixed = try ProtobufSchema.describe(HealthTwin.self)
        var second = ContractComparison(protos: protos, swift: fixed)
        second.compareMessage(proto: "grpc.health.v1.HealthCheckResponse", swift: ProtobufSchema.name(of: HealthTwin.self))
        #expect(second.differences.contains { $0.contains("SERVICE_UNKNOWN = 3 is missing in Swift") }, "\(second.differences)")
        #expect(second.differences.contains { $0.contains("Swift case extra = 9 is not in the .proto") }, "\(second.differences)")
        #expect(second.differences.contains { $0.contains("comment = 5") && $0.contains("not in the .proto") }, "\(second.differences)")
    }
}

private struct DriftedHealthResponse: Codable {
    var status: Int32 = 0
    enum CodingKeys: Int, CodingKey { case status = 2 }
}

private struct HealthTwin: Codable {
    enum Status: Int32, Codable { case unknown = 0, serving = 1, notServing = 2, extra = 9 }
    var status: Status = .unknown
    var comment: String?
    enum CodingKeys: Int, CodingKey { case status = 1, comment = 5 }
}

/// Every service of every executable, built as its `main` builds it, on empty stores in a
/// temporary folder (registration only: no server is started).
private struct AllServices {
    let folder: URL
    let descriptors: [ServiceDescriptor]

    init() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("contract-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        self.folder = folder
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        var logger = Logger(label: "contract-tests")
        logger.logLevel = .critical
        var all: [ServiceDescriptor] = []

        all.append(DraftingService(store: try DraftingStore(path: path("drafting.sqlite")), configuration: DraftingConfiguration()).descriptor)
        all.append(ApprovalService(store: try ApprovalStore(path: path("approval.sqlite")), configuration: ApprovalConfiguration()).descriptor)

        let signingDatabase = try ServiceDatabase.open(path: path("signing.sqlite")) { migrator in SigningSchema.register(in: &migrator) }
        all.append(SigningService(database: signingDatabase, policy: SigningPolicy(), logger: logger).descriptor)

        let settings = RegistrySettings(officeId: "kec-sooko", officeName: "Kecamatan Sooko", defaultUnit: "416-313",
                                        units: [], numberFormat: try LetterNumberFormat(LetterNumberFormat.defaultTemplate),
                                        scope: .unitYear, timeZone: .wib, maxBatch: 64, addressBook: [:])
        let pool = try RegistryDatabase.open(path: path("registry.sqlite"))
        let key = try RegistryKey.loadOrCreate(at: path("registry-key"))
        let registryStore = try RegistryStore(pool: pool, settings: settings, key: key, logger: logger)
        let keys = try PublishedKeyDirectory(trustedKeysFile: "", signingEndpoint: "127.0.0.1:9", signingToken: "t",
                                             refreshInterval: .seconds(60), logger: logger)
        all.append(RegistryService(store: registryStore, keys: keys, logger: logger).descriptor)
        all.append(InboxService(store: registryStore, trustedOffices: [:], logger: logger).descriptor)

        var configuration = GatewayConfiguration()
        for keyPath in [\GatewayConfiguration.draftingAddress, \.approvalAddress, \.signingAddress, \.registryAddress] {
            configuration[keyPath: keyPath] = "127.0.0.1:9"
        }
        configuration.serviceToken = "contract-test-token"
        let gateway = GatewayService(store: try GatewayStore(path: path("gateway.sqlite")),
                                     backends: try BackendClients(configuration: configuration, logger: logger),
                                     configuration: configuration, logger: logger)
        all += gateway.descriptors()

        all.append(EchoAPI.service())
        // What every RPCServer adds: health (Check unary, Watch streaming) and reflection.
        all.append(StandardServices.health(HealthStatus()))
        all += ReflectionService.descriptors(index: try DescriptorIndex(files: []), serviceNames: { [] })
        descriptors = all
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}
