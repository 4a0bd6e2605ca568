import Foundation
import Testing
@testable import RegistryCore

@Suite("Letter number templates", .timeLimit(.minutes(10)))
struct LetterNumberFormatTests {
    private func values(_ classification: String = "065", sequence: Int64 = 87, unit: String = "416-313",
                        year: Int = 2025, month: Int = 2) -> LetterNumberFormat.Values {
        .init(classification: classification, sequence: sequence, unit: unit, year: year, month: month, office: "kec-sooko")
    }

    @Test func defaultTemplateGivesTheSOPNumber() throws {
        let format = try LetterNumberFormat(LetterNumberFormat.defaultTemplate)
        #expect(format.render(values()) == "065/87/416-313/2025")
    }

    @Test func dottedClassificationCodes() throws {
        let format = try LetterNumberFormat(LetterNumberFormat.defaultTemplate)
        #expect(format.render(values("000.8.3.3", sequence: 1, unit: "35.16.13", year: 2026)) == "000.8.3.3/1/35.16.13/2026")
        #expect(Codes.isValidClassification("000.8.3.3"))
        #expect(Codes.isValidClassification("065"))
        #expect(!Codes.isValidClassification("065/1"))
        #expect(!Codes.isValidClassification("000..8"))
        #expect(!Codes.isValidClassification(""))
    }

    @Test func customTemplatesWithPaddingAndRomanMonth() throws {
        let format = try LetterNumberFormat("{office}-{classification}/{sequence:4}/{unit}/{month_roman}/{year}")
        #expect(format.render(values(sequence: 7, month: 12)) == "kec-sooko-065/0007/416-313/XII/2025")
        let monthly = try LetterNumberFormat("B-{sequence}/{month}/{year}")
        #expect(monthly.render(values(sequence: 12345, month: 3)) == "B-12345/03/2025")
    }

    @Test(arguments: ["{classification}/{unit}/{year}", "{sequence}/{unit}", "{sequence}/{yaer}", "{sequence/{year}",
                      "{sequence}}/{year}", "{sequence:0}/{year}"])
    func rejectsBadTemplates(_ template: String) {
        #expect(throws: RegistryError.self) { try LetterNumberFormat(template) }
    }

    @Test func settingsRejectAmbiguousCombinations() throws {
        let noClassification = try LetterNumberFormat("{sequence}/{unit}/{year}")
        let perClassification = RegistrySettings(officeId: "kec", defaultUnit: "416-313", numberFormat: noClassification,
                                                 scope: .unitClassificationYear)
        #expect(throws: RegistryError.self) { try perClassification.validate() }
        let noUnit = try LetterNumberFormat("{classification}/{sequence}/{year}")
        let twoUnits = RegistrySettings(officeId: "kec", defaultUnit: "416-313", units: ["416-314"], numberFormat: noUnit)
        #expect(throws: RegistryError.self) { try twoUnits.validate() }
        let fine = RegistrySettings(officeId: "kec", defaultUnit: "416-313", numberFormat: noUnit)
        try fine.validate()
    }

    @Test func officeTimeZones() {
        #expect(OfficeTimeZone(parsing: "WIB") == .wib)
        #expect(OfficeTimeZone(parsing: "Asia/Makassar") == .wita)
        #expect(OfficeTimeZone(parsing: "wit") == .wit)
        #expect(OfficeTimeZone(parsing: "+07:00")?.secondsFromGMT == 7 * 3600)
        #expect(OfficeTimeZone(parsing: "Mars/Olympus") == nil)
        // 2025-12-31 16:59:59 UTC is 23:59:59 WIB but already 00:59:59 on 1 January WITA.
        let instant = Date(timeIntervalSince1970: 1_767_200_399)
        #expect(OfficeDate(instant, in: .wib).year == 2025)
        #expect(OfficeDate(instant, in: .wita).year == 2026)
    }

    @Test func rfc3339RoundTrip() {
        let date = Date(unixMilliseconds: 1_767_200_399_123)
        #expect(RFC3339.format(date) == "2025-12-31T16:59:59.123Z")
        #expect(RFC3339.parse("2025-12-31T16:59:59.123Z") == date)
        #expect(RFC3339.format(Date(unixMilliseconds: 0)) == "1970-01-01T00:00:00.000Z")
    }
}
