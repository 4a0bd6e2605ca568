import Synchronization

/// The largest encoding seen per top-level message type (capped), so the next encoding of that
/// type reserves its buffer once instead of growing it several times.
enum SizeHints {
    static let minimum = 256
    static let maximum = 1 << 20
    private static let sizes = Mutex<[ObjectIdentifier: Int]>([:])

    static func capacity(for type: Any.Type) -> Int {
        sizes.withLock { $0[ObjectIdentifier(type)] } ?? minimum
    }

    static func record(_ size: Int, for type: Any.Type) {
        let size = min(size, maximum)
        guard size > minimum else { return }
        sizes.withLock { hints in
            let id = ObjectIdentifier(type)
            if size > hints[id] ?? 0 { hints[id] = size }
        }
    }
}
