/// A message with no fields (`message GetPublishedKeysRequest {}` and the like in the .proto):
/// encodes to zero bytes. Each such request is this one type under its .proto name (a typealias),
/// so the empty-container coding lives here once.
public struct EmptyMessage: Codable, Sendable, Hashable {
    public init() {}
    public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: CodingKeys.self) }
    public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: CodingKeys.self) }
    public enum CodingKeys: Int, CodingKey { case none = 1 }
}
