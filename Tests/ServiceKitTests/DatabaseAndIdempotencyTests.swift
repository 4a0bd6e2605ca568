import Domain
import Foundation
import GRDB
import RPC
import ServiceKit
import Testing

struct Note: Codable, Sendable, Equatable {
    var text = ""
    var number: Int64 = 0
    enum CodingKeys: Int, CodingKey { case text = 1, number = 2 }
}

@Suite("SQLite database and idempotency", .timeLimit(.minutes(5)))
struct DatabaseAndIdempotencyTests {
    func openPool() throws -> DatabasePool {
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("nested/test.sqlite").path
        return try ServiceDatabase.open(path: path) { migrator in
            migrator.registerMigration("test.v1") { db in
                try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
            }
        }
    }

    @Test("the pool runs in WAL mode with synchronous=FULL")
    func pragmas() async throws {
        let pool = try openPool()
        let (mode, synchronous) = try await pool.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(mode == "wal")
        #expect(synchronous == 2)
        let writerSynchronous = try await pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(writerSynchronous == 2)
    }

    func insertOnce(_ pool: DatabasePool, requestID: String, text: String, counter: Int64) async throws -> Note {
        let request = Note(text: text)
        let fingerprint = try Idempotency.fingerprint(of: request, actorID: "u1")
        return try await pool.write { db in
            try Idempotency.run(db, method: "test/Insert", requestID: requestID, fingerprint: fingerprint) {
                try db.execute(sql: "INSERT INTO notes (text) VALUES (?)", arguments: [text])
                return Note(text: text, number: counter)
            }
        }
    }

    @Test("a repeated request id returns the first response and changes nothing")
    func repeatReturnsStored() async throws {
        let pool = try openPool()
        let first = try await insertOnce(pool, requestID: "r1", text: "a", counter: 1)
        let second = try await insertOnce(pool, requestID: "r1", text: "a", counter: 2)
        #expect(first == second)
        #expect(second.number == 1)
        #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notes") } == 1)
    }

    @Test("the same request id with a different request is INVALID_ARGUMENT naming request_id")
    func reuseDifferentRequest() async throws {
        let pool = try openPool()
        _ = try await insertOnce(pool, requestID: "r1", text: "a", counter: 1)
        await #expect(throws: InvalidFieldError.self) { try await insertOnce(pool, requestID: "r1", text: "b", counter: 1) }
        do {
            _ = try await insertOnce(pool, requestID: "r1", text: "b", counter: 1)
        } catch let error as InvalidFieldError {
            #expect(error.field == "request_id")
            #expect(error.rpcError.code == .invalidArgument)
        }
        #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notes") } == 1)
    }

    @Test("a failed call stores nothing, so its retry runs afresh")
    func failureStoresNothing() async throws {
        let pool = try openPool()
        let fingerprint = try Idempotency.fingerprint(of: Note(text: "x"), actorID: "u1")
        await #expect(throws: RPCError.self) {
            try await pool.write { db in
                try Idempotency.run(db, method: "test/Insert", requestID: "r9", fingerprint: fingerprint) { () throws -> Note in
                    try db.execute(sql: "INSERT INTO notes (text) VALUES ('half')")
                    throw RPCError(.failedPrecondition, "no")
                }
            }
        }
        let stored = try await pool.read { db in try Idempotency.hasResponse(db, method: "test/Insert", requestID: "r9") }
        #expect(!stored)
        #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notes") } == 0)
    }

    @Test("request ids are required and bounded", arguments: ["", String(repeating: "x", count: 129), "a\nb"])
    func badRequestIDs(requestID: String) {
        #expect(throws: InvalidFieldError.self) { try Idempotency.validate(requestID: requestID) }
    }

    @Test("the fingerprint depends on the acting user")
    func fingerprintActor() throws {
        #expect(try Idempotency.fingerprint(of: Note(text: "a"), actorID: "u1") != Idempotency.fingerprint(of: Note(text: "a"), actorID: "u2"))
    }

    @Test("paging sizes and tokens are checked")
    func paging() throws {
        #expect(try Paging.size(0) == Paging.defaultSize)
        #expect(try Paging.size(7) == 7)
        #expect(throws: InvalidFieldError.self) { try Paging.size(-1) }
        #expect(throws: InvalidFieldError.self) { try Paging.size(501) }
        #expect(try Paging.after("") == 0)
        #expect(try Paging.after("42") == 42)
        #expect(throws: InvalidFieldError.self) { try Paging.after("abc") }
    }
}
