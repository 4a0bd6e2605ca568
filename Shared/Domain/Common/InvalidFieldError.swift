/// Bad input, naming the offending field by its protobuf field path (e.g. `content.subject`,
/// `content.addressees[1].endpoint`) so a caller in any language can find it.
/// Maps to INVALID_ARGUMENT (see `InvalidFieldError+RPC.swift`).
public struct InvalidFieldError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var problem: String

    public init(_ field: String, _ problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}
