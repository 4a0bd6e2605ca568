import Foundation
import RPC

// What Register accepts in a letter number (registry.proto, GetNumberingRules).
extension RegistryAPI {
    public static let getNumberingRules = RPCMethod<GetNumberingRulesRequest, NumberingRules>(
        service: serviceName, name: "GetNumberingRules")

    /// An empty message: encodes to zero bytes.
    public typealias GetNumberingRulesRequest = EmptyMessage

    public struct NumberingRules: Codable, Sendable, Hashable {
        /// The unit of a registration that names none.
        public var defaultUnit: String = ""
        /// Every unit Register accepts (the default included), sorted.
        public var units: [String] = []
        /// The number template, e.g. `{classification}/{sequence}/{unit}/{year}`.
        public var numberTemplate: String = ""
        public init() {}
        public enum CodingKeys: Int, CodingKey { case defaultUnit = 1, units, numberTemplate }
    }
}
