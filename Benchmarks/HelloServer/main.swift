import Hummingbird

/// The load benchmark's baseline: a bare Hummingbird server answering "hello", measured in
/// the same run as Armory's routes (scripts/bench-server).
let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8090
let router = Router()
router.get("/hello") { _, _ in "hello" }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
