import Foundation

/// An `application/x-www-form-urlencoded` body or query string: values by name, in order.
struct FormData: Sendable {
    var fields: [(String, String)] = []

    init(fields: [(String, String)] = []) { self.fields = fields }

    init(urlEncoded text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields.append((name, value))
        }
    }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ name: String) -> String? { fields.first(where: { $0.0 == name })?.1 }

    func all(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }

    func text(_ name: String) -> String { (self[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
}
