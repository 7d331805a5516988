import ArmoryCore
import ArmoryHub
import ArmoryLedger
import ArmoryStore
import Benchmark
import Foundation
import GRDB
import Logging
import PostgresNIO

/// Appends to each store beside the same run's ceiling (a bare one-column table insert,
/// one durable transaction each, the same durability as an append), and the read models
/// of a production of many millions of entries.
///
/// Environment: ARMORY_BENCH_POSTGRES_URL (scripts/bench starts a server) adds the
/// PostgreSQL figures; ARMORY_BENCH_LARGE_DB names the large production's SQLite file
/// (built once, then reused) and ARMORY_BENCH_LARGE_ENTRIES its size (default 10,000,000).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(10), maxIterations: 5_000)
    let env = ProcessInfo.processInfo.environment
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("armory-bench-\(UInt32.random(in: 0...UInt32.max))")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let scenario = ScenarioGenerator(seed: 9).scenario(steps: 60_000)
    let steps = try! scenario.steps.map { try Step(json: $0) }
    let payload = Data(repeating: 0x61, count: 220)

    // SQLite.
    var config = Configuration()
    config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    let bare = try! DatabasePool(path: dir.appendingPathComponent("bare.db").path, configuration: config)
    try! bare.write { db in try db.execute(sql: "CREATE TABLE t (idx INTEGER PRIMARY KEY, bytes BLOB NOT NULL)") }
    nonisolated(unsafe) var n = 0
    Benchmark("Ceiling: SQLite bare-table insert, one fsynced transaction each") { benchmark in
        for _ in benchmark.scaledIterations {
            n += 1
            try bare.write { db in try db.cachedStatement(sql: "INSERT INTO t (idx, bytes) VALUES (?, ?)").execute(arguments: [n, payload]) }
        }
    }
    let store = try! SQLiteLogStore(path: dir.appendingPathComponent("armory.db").path)
    // Once as a step is recorded, and once with the engine's decision made before the clock
    // starts: what the store alone costs.
    for storeOnly in [false, true] {
        let id = storeOnly ? "bench-store" : "bench"
        nonisolated(unsafe) var log = ProductionLog(productionID: id, header: ProductionHeader(scenario: scenario), openedAt: steps[0].at)
        try! store.create(id, log)
        nonisolated(unsafe) var next = 0
        Benchmark(storeOnly ? "SQLite append one step, store only (decided before the clock starts)"
                            : "SQLite append one step (entry, tree nodes, read models, one fsynced transaction)") { benchmark in
            for _ in benchmark.scaledIterations {
                let mark = log.mark
                try log.record(steps[next])
                next += 1
                if storeOnly { benchmark.startMeasurement() }
                try store.append(id, from: mark, to: log)
                if storeOnly { benchmark.stopMeasurement() }
            }
        }
    }
    // The hub's way: the rows (entries, nodes, read models' JSON) built before the clock
    // starts, then the async writer (a wait for the writer that holds no thread meanwhile).
    do {
        nonisolated(unsafe) var log = ProductionLog(productionID: "bench-sql", header: ProductionHeader(scenario: scenario), openedAt: steps[0].at)
        try! store.create("bench-sql", log)
        nonisolated(unsafe) var next = 0
        Benchmark("SQLite append one step through the async writer, the hub's way (rows built before the clock starts)") { benchmark in
            for _ in benchmark.scaledIterations {
                let mark = log.mark
                try log.record(steps[next])
                next += 1
                let batch = AppendBatch(log, from: mark)
                _ = batch.entries
                benchmark.startMeasurement()
                try await store.append("bench-sql", batch)
                benchmark.stopMeasurement()
            }
        }
    }
    let hubStore = try! SQLiteLogStore(path: dir.appendingPathComponent("hub.db").path)
    let hub = ProductionHub(store: hubStore, signer: nil, logger: Logger(label: "bench"))
    underLoad("SQLite", at: steps[0].at) {
        try await hub.create("bench-hub", ProductionLog(productionID: "bench-hub", header: ProductionHeader(scenario: scenario), openedAt: steps[0].at))
        return (hub, "bench-hub")
    }

    // PostgreSQL, when a server is named.
    if let url = env["ARMORY_BENCH_POSTGRES_URL"] {
        nonisolated(unsafe) var pgLog = ProductionLog(productionID: "bench", header: ProductionHeader(scenario: scenario), openedAt: steps[0].at)
        nonisolated(unsafe) var pgNext = 0
        nonisolated(unsafe) var pgStore: PostgresLogStore?
        let u = URLComponents(string: url)!
        let client = PostgresClient(configuration: .init(host: u.host!, port: u.port ?? 5432, username: u.user!, password: u.password,
                                                         database: String(u.path.dropFirst()), tls: .disable))
        let logger = Logger(label: "bench")
        let id = "bench-\(UInt32.random(in: 0...UInt32.max))"
        // Each benchmark may run in a process of its own: either sets both up.
        let setup: @Sendable () async throws -> Void = {
            guard pgStore == nil else { return }
            Task { await client.run() }
            try await client.query("CREATE TABLE IF NOT EXISTS bench_bare (idx BIGSERIAL PRIMARY KEY, bytes BYTEA NOT NULL)", logger: logger)
            let s = try await PostgresLogStore(url: url)
            try await s.create(id, pgLog)
            pgStore = s
        }
        Benchmark("Ceiling: PostgreSQL bare-table insert, one committed statement each", configuration: .init(setup: setup)) { benchmark in
            for _ in benchmark.scaledIterations {
                // One statement, committed on its own, as an append is.
                try await client.query("INSERT INTO bench_bare (bytes) VALUES (\(payload))", logger: logger)
            }
        }
        Benchmark("PostgreSQL append one step (entry, tree nodes, read models, one committed transaction)", configuration: .init(setup: setup)) { benchmark in
            for _ in benchmark.scaledIterations {
                let mark = pgLog.mark
                try pgLog.record(steps[pgNext])
                pgNext += 1
                try await pgStore!.append(id, from: mark, to: pgLog)
            }
        }
        underLoad("PostgreSQL", at: steps[0].at) {
            try await setup()
            let hub = ProductionHub(store: pgStore!, signer: nil, logger: logger)
            try await hub.create(id + "-hub", ProductionLog(productionID: id + "-hub", header: ProductionHeader(scenario: scenario), openedAt: steps[0].at))
            return (hub, id + "-hub")
        }
    }

    // The read models of a very long production.
    let entries = Int(env["ARMORY_BENCH_LARGE_ENTRIES"] ?? "") ?? 10_000_000
    let large = env["ARMORY_BENCH_LARGE_DB"] ?? FileManager.default.currentDirectoryPath + "/.build-release/bench-large-\(entries).db"
    let (largeStore, day) = try! waiting { try await LargeProduction.open(path: large, entries: entries) }
    let label = entries >= 1_000_000 ? "\(entries / 1_000_000)M" : "\(entries / 1_000)k"
    Benchmark("Read at \(label) entries: current state of one firearm") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try await largeStore.firearm("large", "colt-1")!) }
    }
    Benchmark("Read at \(label) entries: one day's timeline (\(day.count) entries, decoded)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try await largeStore.timeline("large", day: day.date)) }
    }
}

/// Appends under load: 16 clients (tablets, scripts) each send a step, wait for its answer
/// and send the next, 4 times per sample, into one production through the server's hub. The
/// hub decides each step as it arrives and stores all those queued meanwhile in one
/// transaction. Besides the time per sample (64 steps), each step's own latency, from
/// sending to its answer, is a sample of "Step latency". `open` makes the hub and
/// production (once per benchmark process). The steps are an armorer's inspections of one
/// firearm and safety concerns, which stand in any order the clients' steps arrive in.
func underLoad(_ database: String, at: Timestamp, open: @escaping @Sendable () async throws -> (ProductionHub, String)) {
    let clients = 16, each = 4
    let steps = (0..<(clients * each)).map { k in
        k % 2 == 0 ? Step(at: at, by: "ana", action: .inspectFirearm(firearm: "load-1", result: .clear))
                   : Step(at: at, by: nil, action: .reportConcern(text: "concern \(k)", scene: nil))
    }
    let opening: @Sendable () async throws -> (ProductionHub, String) = {
        let (hub, id) = try await open()
        _ = try await hub.record(id, Step(at: at, by: "ana", action: .receiveFirearm(firearm: "load-1", serial: "L-1", make: "Colt", model: "SAA", from: nil)))
        return (hub, id)
    }
    let latency = BenchmarkMetric.custom("Step latency (us)", polarity: .prefersSmaller, useScalingFactor: false)
    nonisolated(unsafe) var opened: (ProductionHub, String)?
    Benchmark("\(database) append under load: \(clients) clients sending steps back to back through the hub (group commit), per \(clients * each) steps",
              configuration: .init(metrics: [.wallClock, .throughput, latency], maxIterations: 1_000, setup: { opened = try await opening() })) { benchmark in
        let (hub, id) = opened!
        for _ in benchmark.scaledIterations {
            let latencies = try await withThrowingTaskGroup(of: [Int].self) { group in
                for c in 0..<clients {
                    group.addTask {
                        var own: [Int] = []
                        for k in 0..<each {
                            let sent = ContinuousClock.now
                            _ = try await hub.record(id, steps[c * each + k], stampedNow: true)
                            let took = ContinuousClock.now - sent
                            own.append(Int(took.components.attoseconds / 1_000_000_000_000) + Int(took.components.seconds) * 1_000_000)
                        }
                        return own
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            for l in latencies { benchmark.measurement(latency, l) }
        }
    }
}

/// A production of `entries` entries of clean shooting days, built once into a SQLite
/// file through the store's own append path (a day's worth of steps per transaction).
enum LargeProduction {
    static func open(path: String, entries: Int) async throws -> (SQLiteLogStore, (date: String, count: Int)) {
        let exists = FileManager.default.fileExists(atPath: path)
        let store = try SQLiteLogStore(path: path)
        let empty = try await store.productionIDs().isEmpty
        if !exists || empty {
            let started = Date()
            let generator = ScenarioGenerator(seed: 1)
            let first = generator.cleanDays(1..<2)
            var log = ProductionLog(productionID: "large", header: ProductionHeader(
                title: "A very long production", timezone: "America/Denver", people: ScenarioGenerator.people), openedAt: first[0].at)
            try store.create("large", log)
            var day = 1
            while log.size < entries {
                let mark = log.mark
                let batch = generator.cleanDays(day..<(day + 200))
                day += 200
                for s in batch.prefix(entries - log.size) { try log.record(s) }
                try await store.append("large", from: mark, to: log)
                if day % 20_000 == 1 {
                    FileHandle.standardError.write("built \(log.size) entries in \(Int(-started.timeIntervalSinceNow)) s\n".data(using: .utf8)!)
                }
            }
            FileHandle.standardError.write("built \(log.size) entries in \(Int(-started.timeIntervalSinceNow)) s: \(path)\n".data(using: .utf8)!)
        }
        // A day in the middle of the production.
        let perDay = ScenarioGenerator(seed: 1).cleanDays(2..<3).count
        let date = String(ScenarioGenerator(seed: 1).cleanDays((entries / perDay / 2)..<(entries / perDay / 2 + 1))[0].at.text.prefix(10))
        return (store, (date, try await store.timeline("large", day: date).count))
    }
}

/// Waits for `work` where benchmarks are declared (synchronously): setting up the large production.
func waiting<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    nonisolated(unsafe) var result: Result<T, Error>?
    let done = DispatchSemaphore(value: 0)
    Task {
        do { result = .success(try await work()) } catch { result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try result!.get()
}
