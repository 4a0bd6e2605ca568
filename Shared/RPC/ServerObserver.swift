/// What a server reports about its traffic, for metrics: it counts into `traffic` from its event
/// loops, and the observer reads `traffic.snapshot()` when it reports (at a scrape). With no
/// observer configured (`ServerConfiguration.observer == nil`) nothing is counted at all.
public protocol ServerObserver: Sendable {
    var traffic: ServerTraffic { get }
}
