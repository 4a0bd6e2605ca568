/// The most recently registered (or changed) agenda entries by number, so GetEntry and
/// VerifyReceipt of recent letters skip the database round trip (a thread hop and a row decode).
///
/// Consistency: entries are put here only by code running on GRDB's writer queue *after* its
/// transaction committed (the batch writer, cancellation), so the cache never shows uncommitted
/// state and a later change of the same entry always overwrites an earlier one. A miss falls back
/// to the database. Bounded: the oldest inserted number is evicted first.
final class EntryCache: Sendable {
    private struct State {
        var byNumber: [String: AgendaEntry] = [:]
        var ring: [String] = []
        var next = 0
    }

    private let state = LockedValue(State())
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func entry(number: String) -> AgendaEntry? { state.withValue { $0.byNumber[number] } }

    func put(_ entries: some Sequence<AgendaEntry>) {
        guard capacity > 0 else { return }
        state.withValue { state in
            for entry in entries {
                if state.byNumber.updateValue(entry, forKey: entry.number) != nil { continue }
                if state.ring.count < capacity {
                    state.ring.append(entry.number)
                } else {
                    state.byNumber.removeValue(forKey: state.ring[state.next])
                    state.ring[state.next] = entry.number
                    state.next = (state.next + 1) % capacity
                }
            }
        }
    }
}
