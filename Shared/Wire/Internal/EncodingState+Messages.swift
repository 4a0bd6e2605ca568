import Foundation

// Opening and closing a nested message: the length placeholder and the field re-sort.
extension EncodingState {
    // MARK: Messages

    func openMessage() {
        depth += 1
        if depth > Self.maxDepth {
            deferError(error(.depthLimitExceeded, "messages nested deeper than \(Self.maxDepth)"))
        }
        switch slot.position {
        case .root:
            slot.messageStart = buffer.count
        case .field(let field), .element(let field):
            endPackedRun()
            slot.tagStart = buffer.count
            WireFormat.appendTag(field, .lengthDelimited, to: &buffer)
            slot.lengthAt = buffer.count
            buffer.append(0)
            slot.messageStart = buffer.count
        }
        slot.opened = .message
    }

    func closeMessage(_ message: Slot) throws {
        if message.outOfOrder {
            Self.sortFields(&buffer, from: message.messageStart)
        }
        if let oneofs = message.oneofs {
            let fields = Self.fieldNumbers(buffer, from: message.messageStart)
            if let members = Oneofs.conflictingMembers(oneofs.protobufOneofs, fields) {
                throw error(.invalidValue, "oneof members \(members) are both set; at most one may be")
            }
        }
        if message.position == .root { return }
        let length = buffer.count - message.messageStart
        if length == 0 && !message.presence {
            buffer.removeSubrange(message.tagStart...)
            return
        }
        Self.patchLength(&buffer, at: message.lengthAt, length: length)
    }

    /// Writes `length` into the one-byte placeholder at `lengthAt`, widening it if needed.
    static func patchLength(_ buffer: inout [UInt8], at lengthAt: Int, length: Int) {
        if length < 0x80 {
            buffer[lengthAt] = UInt8(length)
            return
        }
        let size = WireFormat.varintSize(UInt64(length))
        buffer.insert(contentsOf: repeatElement(0, count: size - 1), at: lengthAt + 1)
        var value = length
        var index = lengthAt
        while value >= 0x80 {
            buffer[index] = UInt8(truncatingIfNeeded: value) | 0x80
            value >>= 7
            index += 1
        }
        buffer[index] = UInt8(value)
    }

    /// The field numbers of the records from `start` to the end of the buffer.
    static func fieldNumbers(_ buffer: [UInt8], from start: Int) -> [Int] {
        records(buffer, from: start).map { Int($0.field) }
    }

    /// The records this encoder wrote from `start` to the end of the buffer.
    static func records(_ buffer: [UInt8], from start: Int) -> [(field: UInt64, range: Range<Int>)] {
        var records: [(field: UInt64, range: Range<Int>)] = []
        var index = start
        let end = buffer.count
        // The bytes were written by this encoder, so they are well-formed.
        while index < end {
            let recordStart = index
            guard let tag = try? WireFormat.readVarint(buffer, &index, end) else { break }
            switch WireType(rawValue: UInt8(tag & 7)) {
            case .varint: _ = try? WireFormat.readVarint(buffer, &index, end)
            case .fixed64: index += 8
            case .fixed32: index += 4
            case .lengthDelimited:
                guard let length = try? WireFormat.readVarint(buffer, &index, end) else { return records }
                index += Int(length)
            default: return records
            }
            records.append((tag >> 3, recordStart..<index))
        }
        return records
    }

    /// Stable-sorts the records of the message that runs from `start` to the end of the buffer
    /// by field number. Only called when `encode(to:)` wrote fields out of ascending order.
    static func sortFields(_ buffer: inout [UInt8], from start: Int) {
        let records = records(buffer, from: start)
        let end = buffer.count
        let sorted = records.enumerated().sorted {
            ($0.element.field, $0.offset) < ($1.element.field, $1.offset)
        }
        var reordered: [UInt8] = []
        reordered.reserveCapacity(end - start)
        for record in sorted { reordered.append(contentsOf: buffer[record.element.range]) }
        buffer.replaceSubrange(start..<end, with: reordered)
    }
}
