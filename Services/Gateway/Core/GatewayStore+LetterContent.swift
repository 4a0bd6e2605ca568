import Foundation
import GRDB

extension GatewayStore {
    /// The letter a registered number names and the content bytes (an encoded LetterContent) registered
    /// under it, from the registration records this gateway keeps (step 6), for the content rule of the
    /// final PDF (ContentAccess). Nil when this gateway holds no registration with that number; the content
    /// is empty for records made before the gateway kept it.
    public func registeredLetter(number: String) async throws -> (letterID: String, content: Data)? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT letter_id, content FROM registration WHERE number = ?", arguments: [number])
                .map { ($0["letter_id"], $0["content"]) }
        }
    }
}
