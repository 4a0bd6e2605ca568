import Foundation
import Synchronization

/// Where the service gets the time. Injectable so tests can move time (delegation periods,
/// lockout windows) without sleeping.
public struct SigningClock: Sendable {
    public var nowUnixMillis: @Sendable () -> Int64

    public init(nowUnixMillis: @escaping @Sendable () -> Int64) {
        self.nowUnixMillis = nowUnixMillis
    }

    public static let system = SigningClock { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// A clock that only moves when told to (tests).
public final class ManualSigningClock: Sendable {
    private let millis: Mutex<Int64>

    public init(unixMillis: Int64) { millis = Mutex(unixMillis) }

    public var now: Int64 { millis.withLock { $0 } }
    public func advance(seconds: Int64) { millis.withLock { $0 += seconds * 1000 } }
    public func set(unixMillis: Int64) { millis.withLock { $0 = unixMillis } }
    public var clock: SigningClock { SigningClock { [self] in self.now } }
}
