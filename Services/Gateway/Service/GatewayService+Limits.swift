import Domain
import Foundation
import RPC
import Wire

// Whatever a request may carry, its reply fits (issue 11, item 3): DraftReply and GetDraft echo the
// content together with the journey, so the content a draft may hold leaves room for the rest of
// the reply under the 4 MiB message limit (proto-notes/gateway.md, "Message sizes").
extension GatewayService {
    /// The message limit of every gateway reply (the RPC server's `maxSendMessageSize`).
    static let maxReplyBytes = 4 << 20
    /// Kept free in a DraftReply for the journey and the other fields.
    static let replyReserveBytes = 256 << 10
    /// The largest encoded `LetterContent` CreateDraft and EditDraft accept: 3,932,160 bytes.
    static let maxContentBytes = maxReplyBytes - replyReserveBytes

    /// The content of a CreateDraft or EditDraft: INVALID_ARGUMENT naming `content` when it is missing
    /// or its encoding is larger than `maxContentBytes`, before anything is sent to the drafting
    /// service or stored.
    static func requireContentFitsReply(_ content: LetterContent?) throws -> LetterContent {
        guard let content else { throw InvalidFieldError("content", "is required") }
        let size = try ProtobufEncoder().encode(content).count
        guard size <= maxContentBytes else {
            throw InvalidFieldError("content", "is \(size) bytes encoded, at most \(maxContentBytes) allowed: the reply echoes the content "
                                    + "with the journey and must fit the \(maxReplyBytes)-byte message limit")
        }
        return content
    }

    /// The reply itself, or RESOURCE_EXHAUSTED when it would not fit the message limit; thrown inside
    /// the step's transaction, so a reply that cannot be sent is never stored.
    static func fitting(_ reply: GatewayAPI.DraftReply) throws -> GatewayAPI.DraftReply {
        let size = try ProtobufEncoder().encode(reply).count
        guard size <= maxReplyBytes else {
            throw RPCError(.resourceExhausted, "the reply would be \(size) bytes, over the \(maxReplyBytes)-byte message limit "
                           + "(the journey has grown); nothing was recorded")
        }
        return reply
    }
}
