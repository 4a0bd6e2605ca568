import Foundation

/// What the core needs to know about the office; the executable builds it from its configuration.
package struct RegistrySettings: Sendable {
    /// Stable identifier of this office (appears in receipts and as the sender of deliveries).
    package var officeId: String
    package var officeName: String
    /// Recording unit used when a registration names none, e.g. "416-313".
    package var defaultUnit: String
    /// Units allowed in registrations; empty means only `defaultUnit`.
    package var units: [String]
    package var numberFormat: LetterNumberFormat
    package var scope: NumberingScope
    package var timeZone: OfficeTimeZone
    /// Upper bound on registrations per SQLite transaction.
    package var maxBatch: Int
    /// Addressee id or name → inbox endpoint ("host:port"), for addressees whose letter names no
    /// endpoint; addressees found nowhere are delivered by hand.
    package var addressBook: [String: String]

    package init(officeId: String, officeName: String = "", defaultUnit: String, units: [String] = [],
                 numberFormat: LetterNumberFormat, scope: NumberingScope = .unitYear,
                 timeZone: OfficeTimeZone = .wib, maxBatch: Int = 512, addressBook: [String: String] = [:]) {
        self.officeId = officeId
        self.officeName = officeName
        self.defaultUnit = defaultUnit
        self.units = units
        self.numberFormat = numberFormat
        self.scope = scope
        self.timeZone = timeZone
        self.maxBatch = maxBatch
        self.addressBook = addressBook
    }

    /// Rejects combinations that could give two letters the same number.
    package func validate() throws(RegistryError) {
        guard Validation.isIdentifier(officeId) else { throw .invalidArgument("officeId", "must be 1–64 printable characters without spaces") }
        guard Codes.isValidUnit(defaultUnit) else { throw .invalidArgument("defaultUnit", "'\(defaultUnit)' is not a unit code") }
        for unit in units where !Codes.isValidUnit(unit) {
            throw .invalidArgument("units", "'\(unit)' is not a unit code")
        }
        if allowedUnits.count > 1 && !numberFormat.containsUnit {
            throw .invalidArgument("template", "several units share one office, so the template needs {unit}")
        }
        if scope == .unitClassificationYear && !numberFormat.containsClassification {
            throw .invalidArgument("template", "a per-classification sequence needs {classification} in the template")
        }
        guard maxBatch > 0 else { throw .invalidArgument("maxBatch", "must be positive") }
    }

    package var allowedUnits: Set<String> { Set(units + [defaultUnit]) }
}

/// Shared input checks.
package enum Validation {
    /// Printable ASCII without spaces, 1–64 bytes: ids that appear in receipts and keys.
    package static func isIdentifier(_ text: String, maxBytes: Int = 64) -> Bool {
        !text.isEmpty && text.utf8.count <= maxBytes && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f }
    }

    /// Free text on one line (no control characters), up to `maxBytes`.
    package static func isSingleLine(_ text: String, maxBytes: Int) -> Bool {
        // C0 controls, DEL and the C1 controls (U+0080–U+009F, UTF-8 C2 80–C2 9F); checked on the
        // bytes because Unicode property lookups showed up in registration profiles.
        let utf8 = text.utf8
        guard utf8.count <= maxBytes else { return false }
        var previous: UInt8 = 0
        for byte in utf8 {
            if byte < 0x20 || byte == 0x7f || (previous == 0xc2 && byte >= 0x80 && byte <= 0x9f) { return false }
            previous = byte
        }
        return true
    }
}
