import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Benchmark
import Foundation
import GRDB

/// Appends to the embedded store beside the same run's ceiling: a bare one-column table
/// insert, one fsynced transaction each (the same durability as an append).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(10), maxIterations: 5_000)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("armory-bench-\(UInt32.random(in: 0...UInt32.max))")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)

    var config = Configuration()
    config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    let bare = try! DatabasePool(path: dir.appendingPathComponent("bare.db").path, configuration: config)
    try! bare.write { db in try db.execute(sql: "CREATE TABLE t (idx INTEGER PRIMARY KEY, bytes BLOB NOT NULL)") }
    let payload = Data(repeating: 0x61, count: 220)
    nonisolated(unsafe) var n = 0
    Benchmark("Ceiling: SQLite bare-table insert, one fsynced transaction each") { benchmark in
        for _ in benchmark.scaledIterations {
            n += 1
            try bare.write { db in try db.cachedStatement(sql: "INSERT INTO t (idx, bytes) VALUES (?, ?)").execute(arguments: [n, payload]) }
        }
    }

    let store = try! SQLiteLogStore(path: dir.appendingPathComponent("armory.db").path)
    let scenario = ScenarioGenerator(seed: 9).scenario(steps: 60_000)
    let steps = try! scenario.steps.map { try Step(json: $0) }
    nonisolated(unsafe) var log = ProductionLog(productionID: "bench", header: ProductionHeader(scenario: scenario), openedAt: steps[0].at)
    try! store.create("bench", log)
    nonisolated(unsafe) var next = 0
    Benchmark("SQLite append one step (entry + tree nodes, one fsynced transaction)") { benchmark in
        for _ in benchmark.scaledIterations {
            let mark = log.mark
            try log.record(steps[next])
            next += 1
            try store.append("bench", from: mark, to: log)
        }
    }
}
