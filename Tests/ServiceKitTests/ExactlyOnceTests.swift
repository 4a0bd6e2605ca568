import Domain
import Foundation
import GRDB
import RPC
import ServiceKit
import Synchronization
import Testing
import Wire

/// A paraf-like step: one per (draft, revision); doing it again is FAILED_PRECONDITION, as in drafting.
struct InitialRequest: Codable, Sendable, Equatable {
    var requestID = ""
    var draft = ""
    var revision: Int64 = 0
    var note = ""
    enum CodingKeys: Int, CodingKey { case requestID = 1, draft = 2, revision = 3, note = 4 }
}

@Suite("ExactlyOnce: replay by request id and by natural key", .timeLimit(.minutes(5)))
struct ExactlyOnceTests {
    static let method = "/test.v1.Test/Initial"

    static func open(_ path: String) throws -> ExactlyOnce {
        let pool = try ServiceDatabase.open(path: path) { migrator in
            migrator.registerMigration("test.v1") { db in
                try db.execute(sql: """
                    CREATE TABLE initials (id INTEGER PRIMARY KEY, draft TEXT NOT NULL, revision INTEGER NOT NULL,
                                           actor TEXT NOT NULL, UNIQUE (draft, revision))
                    """)
            }
        }
        return ExactlyOnce(pool: pool)
    }

    static func databasePath() throws -> String {
        try Fixtures.temporaryDirectory().appendingPathComponent("exactly-once.sqlite").path
    }

    /// Counts the calls of prepare and perform.
    final class Calls: Sendable {
        let prepared = Mutex(0)
        let performed = Mutex(0)
    }

    static func initial(_ store: ExactlyOnce, _ request: InitialRequest, actor: String,
                        calls: Calls = Calls()) async throws -> ExactlyOnce.Answer<Note> {
        var asked = request
        asked.requestID = ""
        return try await store.run(
            method: method, requestID: request.requestID,
            fingerprint: try Idempotency.fingerprint(of: request, actorID: actor),
            naturalKey: try NaturalKey(["draft", request.draft, "revision", String(request.revision)],
                                       asking: asked, actorID: actor),
            prepare: { () -> String in
                calls.prepared.withLock { $0 += 1 }
                return actor.uppercased()
            },
            perform: { db, prepared in
                calls.performed.withLock { $0 += 1 }
                if let by = try String.fetchOne(db, sql: "SELECT actor FROM initials WHERE draft = ? AND revision = ?",
                                                arguments: [request.draft, request.revision]) {
                    throw RPCError(.failedPrecondition, "already initialled by \(by)")
                }
                try db.execute(sql: "INSERT INTO initials (draft, revision, actor) VALUES (?, ?, ?)",
                               arguments: [request.draft, request.revision, actor])
                return Note(text: prepared, number: db.lastInsertedRowID)
            })
    }

    static func rows(_ store: ExactlyOnce) async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM initials") ?? -1 }
    }

    @Test("the same request id is answered with the stored reply, also after the store is reopened; prepare and perform run once")
    func replayByRequestID() async throws {
        let path = try Self.databasePath()
        let calls = Calls()
        let request = InitialRequest(requestID: "r1", draft: "d1", revision: 1)
        let first = try await Self.initial(try Self.open(path), request, actor: "ani", calls: calls)
        #expect(first.source == .performed)
        // A new pool on the same file: what a restarted process sees after kill -9 (WAL, synchronous=FULL).
        let reopened = try Self.open(path)
        let again = try await Self.initial(reopened, request, actor: "ani", calls: calls)
        #expect(again.source == .requestID)
        #expect(again.response == first.response)
        #expect(calls.prepared.withLock { $0 } == 1)
        #expect(calls.performed.withLock { $0 } == 1)
        #expect(try await Self.rows(reopened) == 1)
    }

    @Test("the same step by the same actor under a NEW request id gets the first reply, then that id replays by request id")
    func replayByNaturalKey() async throws {
        let path = try Self.databasePath()
        let calls = Calls()
        let first = try await Self.initial(try Self.open(path), InitialRequest(requestID: "r1", draft: "d1", revision: 1), actor: "ani", calls: calls)
        let reopened = try Self.open(path)
        let lost = try await Self.initial(reopened, InitialRequest(requestID: "r2", draft: "d1", revision: 1), actor: "ani", calls: calls)
        #expect(lost.source == .naturalKey)
        #expect(lost.response == first.response)
        let lostAgain = try await Self.initial(reopened, InitialRequest(requestID: "r2", draft: "d1", revision: 1), actor: "ani", calls: calls)
        #expect(lostAgain.source == .requestID)
        #expect(lostAgain.response == first.response)
        #expect(calls.prepared.withLock { $0 } == 1)
        #expect(calls.performed.withLock { $0 } == 1)
        #expect(try await Self.rows(reopened) == 1)
        // The stored bytes are the first reply's bytes, byte for byte, under both request ids.
        let stored = try await reopened.pool.read { db in
            try Data.fetchAll(db, sql: "SELECT response FROM idempotency WHERE method = ? ORDER BY rowid", arguments: [Self.method])
        }
        #expect(stored.count == 2)
        #expect(stored.first == stored.last)
        #expect(stored.first == Data(try ProtobufEncoder().encode(first.response)))
    }

    @Test("a request id reused for a different request is INVALID_ARGUMENT naming request_id")
    func mismatchedFingerprint() async throws {
        let store = try Self.open(try Self.databasePath())
        _ = try await Self.initial(store, InitialRequest(requestID: "r1", draft: "d1", revision: 1), actor: "ani")
        do {
            _ = try await Self.initial(store, InitialRequest(requestID: "r1", draft: "d2", revision: 1), actor: "ani")
            Issue.record("a reused request id was accepted")
        } catch let error as InvalidFieldError {
            #expect(error.field == "request_id")
            #expect(error.rpcError.code == .invalidArgument)
        }
        // The same id and request from another user is a different request too.
        await #expect(throws: InvalidFieldError.self) {
            try await Self.initial(store, InitialRequest(requestID: "r1", draft: "d1", revision: 1), actor: "budi")
        }
        #expect(try await Self.rows(store) == 1)
    }

    @Test("another actor on the same step, or the same key asked differently, gets the honest error")
    func differentActorOrContent() async throws {
        let store = try Self.open(try Self.databasePath())
        _ = try await Self.initial(store, InitialRequest(requestID: "r1", draft: "d1", revision: 1), actor: "ani")
        do {
            _ = try await Self.initial(store, InitialRequest(requestID: "r2", draft: "d1", revision: 1), actor: "budi")
            Issue.record("another actor was given ani's reply")
        } catch let error as RPCError {
            #expect(error.code == .failedPrecondition)
        }
        do {
            _ = try await Self.initial(store, InitialRequest(requestID: "r3", draft: "d1", revision: 1, note: "other"), actor: "ani")
            Issue.record("different content was answered as a replay")
        } catch let error as RPCError {
            #expect(error.code == .failedPrecondition)
        }
        // Failed calls stored nothing: their ids are still free.
        let stored = try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT request_id FROM idempotency WHERE method = ? ORDER BY rowid", arguments: [Self.method])
        }
        #expect(stored == ["r1"])
    }

    @Test("a method without a natural key replays only by request id")
    func noNaturalKey() async throws {
        let store = try Self.open(try Self.databasePath())
        let first = try await store.run(method: "/test.v1.Test/Count", requestID: "c1",
                                        fingerprint: try Idempotency.fingerprint(of: Note(text: "x"), actorID: "ani")) { db in
            try db.execute(sql: "INSERT INTO initials (draft, revision, actor) VALUES ('c', 1, 'ani')")
            return Note(text: "x", number: db.lastInsertedRowID)
        }
        let second = try await store.run(method: "/test.v1.Test/Count", requestID: "c2",
                                         fingerprint: try Idempotency.fingerprint(of: Note(text: "x"), actorID: "ani")) { db in
            try db.execute(sql: "INSERT INTO initials (draft, revision, actor) VALUES ('c', 2, 'ani')")
            return Note(text: "x", number: db.lastInsertedRowID)
        }
        #expect(first.source == .performed && second.source == .performed)
        #expect(first.response.number != second.response.number)
    }

    @Test("a retired natural key is no longer replayed: the step runs and gets the honest error")
    func retired() async throws {
        let store = try Self.open(try Self.databasePath())
        let first = try await Self.initial(store, InitialRequest(requestID: "r1", draft: "d1", revision: 1), actor: "ani")
        try await store.pool.write { db in
            try ExactlyOnce.retire(db, method: Self.method, naturalKey: ["draft", "d1", "revision", "1"])
        }
        await #expect(throws: RPCError.self) {
            try await Self.initial(store, InitialRequest(requestID: "r2", draft: "d1", revision: 1), actor: "ani")
        }
        // Its own request id still gets the stored reply.
        #expect(try await Self.initial(store, InitialRequest(requestID: "r1", draft: "d1", revision: 1), actor: "ani").response == first.response)
    }

    @Test("retiring one natural key leaves the other keys of the method replayable")
    func retireOnlyItsKey() async throws {
        let store = try Self.open(try Self.databasePath())
        _ = try await Self.initial(store, InitialRequest(requestID: "r1", draft: "d1", revision: 1), actor: "ani")
        let other = try await Self.initial(store, InitialRequest(requestID: "r2", draft: "d2", revision: 1), actor: "ani")
        try await store.pool.write { db in
            try ExactlyOnce.retire(db, method: Self.method, naturalKey: ["draft", "d1", "revision", "1"])
        }
        let replayed = try await Self.initial(store, InitialRequest(requestID: "r3", draft: "d2", revision: 1), actor: "ani")
        #expect(replayed.source == .naturalKey)
        #expect(replayed.response == other.response)
        // The whole key is stored, not cut at a separator.
        let keys = try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT natural_key FROM idempotency WHERE natural_key IS NOT NULL ORDER BY rowid")
        }
        #expect(keys.allSatisfy { $0.hasSuffix("revision\u{1}1") && $0.contains("d2") })
    }

    @Test("the replay log line names the method")
    func replayMessage() {
        #expect(ExactlyOnce.replayMessage(method: "/surat.drafting.v1.Drafting/ParafDraft").description
                == "ParafDraft replayed: stored reply sent again")
    }
}
