import Foundation

/// An `application/x-www-form-urlencoded` body or query string: values by name, in order.
struct FormData: Sendable {
    /// A file from a `multipart/form-data` post (the draft form's attachments).
    struct File: Sendable {
        var field: String
        var filename: String
        var mediaType: String
        var content: Data
    }

    var fields: [(String, String)] = []
    var files: [File] = []

    init(fields: [(String, String)] = []) { self.fields = fields }

    init(urlEncoded text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields.append((name, value))
        }
    }

    /// A `multipart/form-data` body (RFC 7578): text parts become fields, parts with a filename files.
    /// Returns nil when the body does not follow the format.
    init?(multipart body: Data, boundary: String) {
        let delimiter = Data(("--" + boundary).utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        var position = body.startIndex
        guard let first = body.range(of: delimiter, in: position..<body.endIndex) else { return nil }
        position = first.upperBound
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[position...].starts(with: Data("--".utf8)) { return }
            guard body[position...].starts(with: Data("\r\n".utf8)) else { return nil }
            position += 2
            guard let headersRange = body.range(of: headerEnd, in: position..<body.endIndex),
                  let next = body.range(of: Data("\r\n".utf8) + delimiter, in: headersRange.upperBound..<body.endIndex) else { return nil }
            let headers = String(decoding: body[position..<headersRange.lowerBound], as: UTF8.self)
            let content = Data(body[headersRange.upperBound..<next.lowerBound])
            position = next.upperBound
            var name = "", filename: String? = nil, mediaType = "application/octet-stream"
            for line in headers.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    name = Self.parameter("name", in: line) ?? ""
                    filename = Self.parameter("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    mediaType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            if let filename {
                if !filename.isEmpty || !content.isEmpty {
                    files.append(File(field: name, filename: filename, mediaType: mediaType, content: content))
                }
            } else {
                fields.append((name, String(decoding: content, as: UTF8.self)))
            }
        }
    }

    /// `name="value"` from a Content-Disposition line; only the file's last path component is kept.
    static func parameter(_ key: String, in line: String) -> String? {
        guard let range = line.range(of: "; \(key)=\"") ?? line.range(of: ";\(key)=\"") else { return nil }
        let rest = line[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        let value = String(rest[..<end])
        return key == "filename" ? String(value.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "") : value
    }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ name: String) -> String? { fields.first(where: { $0.0 == name })?.1 }

    func all(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }

    func text(_ name: String) -> String { (self[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
}

extension FormData {
    /// `boundary=...` (quoted or not) from a Content-Type header.
    static func parameterValue(_ key: String, in header: String) -> String? {
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == key {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }
}
