import Foundation
import GRDB
import Hummingbird

/// The load benchmark's baselines, measured in the same run as Armory's routes
/// (scripts/bench-server). `HelloServer PORT DATABASE`:
/// - `GET /hello` answers "hello": bare Hummingbird.
/// - `POST /write` stores the request's body as one row, durably (SQLite in WAL mode,
///   `synchronous = FULL`), requests arriving together sharing one transaction and one
///   sync: how `armory serve` stores a step, without the rules, the signed log, the read
///   models, sign-in or JSON.
let arguments = CommandLine.arguments.dropFirst()
let port = Int(arguments.first ?? "") ?? 8090
var configuration = Configuration()
configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
let pool = try DatabasePool(path: arguments.dropFirst().first ?? "hello.db", configuration: configuration)
try await pool.write { db in try db.execute(sql: "CREATE TABLE IF NOT EXISTS body (id INTEGER PRIMARY KEY, bytes BLOB NOT NULL)") }
let writer = GroupWriter(pool: pool)

let router = Router()
router.get("/hello") { _, _ in "hello" }
router.post("/write") { request, _ -> String in
    let body = try await request.body.collect(upTo: 1 << 20)
    return String(try await writer.write(Array(body.readableBytesView)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()

/// Group commit, as bare as it goes: one transaction at a time takes everything queued.
actor GroupWriter {
    let pool: DatabasePool
    var queued: [(bytes: [UInt8], reply: CheckedContinuation<Int64, any Error>)] = []
    var writing = false

    init(pool: DatabasePool) { self.pool = pool }

    func write(_ bytes: [UInt8]) async throws -> Int64 {
        try await withCheckedThrowingContinuation { reply in
            queued.append((bytes, reply))
            if !writing {
                writing = true
                Task { await drain() }
            }
        }
    }

    func drain() async {
        while !queued.isEmpty {
            let batch = queued
            queued = []
            let rows = batch.map(\.bytes)
            do {
                let ids = try await pool.write { db in
                    let insert = try db.cachedStatement(sql: "INSERT INTO body (bytes) VALUES (?)")
                    return try rows.map { bytes in
                        try insert.execute(arguments: [Data(bytes)])
                        return db.lastInsertedRowID
                    }
                }
                for (w, id) in zip(batch, ids) { w.reply.resume(returning: id) }
            } catch {
                for w in batch { w.reply.resume(throwing: error) }
            }
        }
        writing = false
    }
}
