import Domain
import Testing
@testable import RegistryCore

/// The gateway checks a unit's syntax at OpenLetter with Domain's `UnitCode` (the registry may be
/// unreachable then); Register checks it with RegistryCore's `Codes`. The rule is written twice, so
/// this proves the two agree (issue 11, item 1).
@Suite("Unit code syntax: gateway (Domain.UnitCode) = registry (Codes)", .timeLimit(.minutes(1)))
struct UnitCodeAgreementTests {
    @Test("both accept and refuse the same units", arguments: [
        "416-313", "35.16.13", "Kec.Sooko", "A", "999-999", String(repeating: "9", count: 32),
        "", "416/313", "416 313", "416-313\n", "Kec_Sooko", "Sooko\u{0}", "416–313", "Sookö", String(repeating: "9", count: 33),
    ])
    func agree(_ unit: String) {
        #expect(Codes.isValidUnit(unit) == (UnitCode.syntaxProblem(unit) == nil), "\(unit.debugDescription)")
    }
}
