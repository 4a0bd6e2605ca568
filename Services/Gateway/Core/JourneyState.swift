import Domain
import Foundation

/// Where a letter is in the SOP. Each non-final state waits for exactly one step; the return loop moves a letter
/// from `inReview` back to `drafting`.
public enum JourneyState: String, Sendable, Codable, CaseIterable {
    case opened             // step 1 in progress: waiting for the Staf Umum to be assigned
    case drafting           // step 2 in progress: draft being written, waiting for the drafter's paraf
    case inReview           // step 3 in progress: waiting for the Sekretaris to approve or return
    case approved           // step 4 in progress: waiting for upload for e-signature
    case awaitingSignature  // step 5 in progress: waiting for the Camat's signature
    case signed             // step 6 in progress: waiting for number, registration and distribution
    case completed          // all six steps done
    case withdrawn          // withdrawn before registration (terminal; Journey.withdrawal says who and why)

    /// Completed and withdrawn letters wait for nothing and never move again.
    public var isTerminal: Bool { self == .completed || self == .withdrawn }

    /// The step the letter waits for; nil once completed or withdrawn.
    public var currentStep: SOPStep? {
        switch self {
        case .opened: .assign
        case .drafting: .draft
        case .inReview: .review
        case .approved: .upload
        case .awaitingSignature: .sign
        case .signed: .register
        case .completed, .withdrawn: nil
        }
    }
}
