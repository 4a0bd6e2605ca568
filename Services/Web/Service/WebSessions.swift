import Crypto
import Foundation

/// A signed-in browser. The browser holds only the random session id (cookie); the gateway's
/// session token stays in this process, so no script, extension or proxy log in front ever sees it.
public struct WebSession: Sendable {
    public var id: String
    /// The gateway session token (SignIn's); every call is made with it, so the gateway decides.
    var token: String
    var tokenID: String
    var userID: String
    var name: String
    var role: String
    /// Own role plus roles held now as Plh/Plt (from WhoAmI).
    var roles: [String]
    /// Whom the user stands in for, per role, e.g. ["camat": "siti.camat"].
    var actingFor: [String: String]
    /// Per-session CSRF token, a hidden field in every form.
    var csrf: String
    var mustChangePassword: Bool
    var expiresAt: Date
    var lastSeen: Date
    /// One message for the next page (after a redirect).
    var flash: Flash?

    func holds(_ role: String) -> Bool { roles.contains(role) }
}

public struct Flash: Sendable {
    public enum Kind: String, Sendable { case ok, error }
    var kind: Kind
    var text: String
}

/// In-memory sessions. A restart of surat-web signs everyone out (their gateway sessions expire on
/// their own), which is the safe direction for a small office.
public actor WebSessions {
    var sessions: [String: WebSession] = [:]
    let idle: TimeInterval

    public init(idleMinutes: Int) { idle = TimeInterval(max(1, idleMinutes) * 60) }

    static func randomToken() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    func create(token: String, tokenID: String, userID: String, name: String, role: String, roles: [String],
                actingFor: [String: String], mustChange: Bool, expiresAt: Date, now: Date) -> WebSession {
        purge(now: now)
        let session = WebSession(id: Self.randomToken(), token: token, tokenID: tokenID, userID: userID, name: name,
                                 role: role, roles: roles, actingFor: actingFor, csrf: Self.randomToken(),
                                 mustChangePassword: mustChange, expiresAt: expiresAt, lastSeen: now, flash: nil)
        sessions[session.id] = session
        return session
    }

    /// The live session for a cookie value; touches its idle clock.
    func find(_ id: String, now: Date) -> WebSession? {
        guard var session = sessions[id] else { return nil }
        if session.expiresAt <= now || now.timeIntervalSince(session.lastSeen) > idle {
            sessions[id] = nil
            return nil
        }
        session.lastSeen = now
        sessions[id] = session
        return session
    }

    func update(_ id: String, _ change: @Sendable (inout WebSession) -> Void) {
        guard var session = sessions[id] else { return }
        change(&session)
        sessions[id] = session
    }

    /// Returns and clears the pending message.
    func takeFlash(_ id: String) -> Flash? {
        let flash = sessions[id]?.flash
        sessions[id]?.flash = nil
        return flash
    }

    func remove(_ id: String) -> WebSession? { sessions.removeValue(forKey: id) }

    func purge(now: Date) {
        sessions = sessions.filter { $0.value.expiresAt > now && now.timeIntervalSince($0.value.lastSeen) <= idle }
    }

    /// Every session still open (graceful shutdown signs them out at the gateway).
    func all() -> [WebSession] { Array(sessions.values) }
}

enum CSRF {
    /// Constant-time comparison, so the token cannot be found byte by byte through timing.
    static func matches(_ given: String?, _ expected: String) -> Bool {
        guard let given else { return false }
        let a = Array(given.utf8), b = Array(expected.utf8)
        guard a.count == b.count, !b.isEmpty else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
