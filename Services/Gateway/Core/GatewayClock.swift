import Domain
import Foundation

/// Where the gateway reads "now": the system clock in production, a settable clock in tests.
public protocol GatewayClock: Sendable {
    func now() -> Date
}

public struct SystemClock: GatewayClock {
    public init() {}
    public func now() -> Date { Date() }
}
