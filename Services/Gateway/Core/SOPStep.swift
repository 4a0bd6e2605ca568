import Domain
import Foundation

/// The six steps of the outgoing-letter SOP (Pengelolaan Surat Keluar), numbered as in the SOP.
public enum SOPStep: Int, CaseIterable, Sendable, Codable, Comparable {
    case assign = 1     // head of office assigns the Staf Umum who runs the letter
    case draft = 2      // Seksi/Subag drafts and initials (paraf)
    case review = 3     // Sekretaris checks and initials, or returns with notes
    case upload = 4     // Staf Umum uploads for e-signature
    case sign = 5       // Camat (or Plh/Plt) signs electronically
    case register = 6   // Staf Umum numbers, registers in the agenda book and distributes

    public static func < (lhs: SOPStep, rhs: SOPStep) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The role that performs this step.
    public var role: Role {
        switch self {
        case .assign, .upload, .register: .stafUmum
        case .draft: .drafter
        case .review: .sekretaris
        case .sign: .camat
        }
    }

    /// Human name used in messages ("step 3 (Sekretaris review)").
    public var title: String {
        switch self {
        case .assign: "assign the Staf Umum"
        case .draft: "drafting and drafter's paraf"
        case .review: "Sekretaris review"
        case .upload: "upload for e-signature"
        case .sign: "Camat signature"
        case .register: "numbering, registration and distribution"
        }
    }

    public var label: String { "step \(rawValue) (\(title))" }
}

/// The SOP time standards (mutu baku), in seconds per step. Defaults are the SOP's 3/10/5/15/5/10 minutes.
public struct SOPStandards: Sendable, Equatable, Codable {
    public var secondsByStep: [Int: Int]

    public static let sop = SOPStandards(minutes: [3, 10, 5, 15, 5, 10])

    /// `minutes` in step order 1...6.
    public init(minutes: [Int]) {
        precondition(minutes.count == SOPStep.allCases.count, "one standard per SOP step")
        var table: [Int: Int] = [:]
        for (index, value) in minutes.enumerated() { table[index + 1] = value * 60 }
        secondsByStep = table
    }

    public func seconds(for step: SOPStep) -> Int {
        // The SOP's own table has every step; 0 is never reached.
        secondsByStep[step.rawValue] ?? SOPStandards.sop.secondsByStep[step.rawValue] ?? 0
    }
}
