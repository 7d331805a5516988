import ArmoryCore
import Foundation
import PropertyBased
import Testing

/// Bad input gets a clear error, never a crash: a scenario file with random bytes changed
/// either still reads (and replays) or is rejected with a ScenarioError naming what failed.
struct MalformedInputTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let original = try! [UInt8](Data(contentsOf: repository.appendingPathComponent("scenarios/crow-reconstruction.json")))

    @Test func mutatedScenarioFilesNeverCrashTheReader() async {
        let edits = zip(Gen.int(in: 0...Int.max), Gen.int(in: 1...8))
        await propertyCheck(count: 300, input: edits) { seed, count in
            var rng = SeededRandom(seed: UInt64(seed))
            var bytes = Self.original
            for _ in 0..<count {
                let k = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[k] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: k)
                default: bytes.insert(Array("{}[]\",:0-e.\\tn".utf8)[Int(rng.next() % 14)], at: k)
                }
            }
            do throws(ScenarioError) {
                _ = try Scenario(bytes: bytes).run()
            } catch {
                #expect(error.description.hasPrefix("error: ") && error.description.count > 7)
            }
        }
    }

    @Test func truncatedScenarioFilesAreRejectedCleanly() {
        for n in stride(from: 0, to: Self.original.count - 1, by: 37) {
            #expect(throws: ScenarioError.self) { try Scenario(bytes: Array(Self.original.prefix(n))).run() }
        }
    }

    @Test func deeplyNestedJSONIsRejectedNotOverflowed() {
        let deep = Array(String(repeating: "[", count: 100_000).utf8)
        #expect(throws: JSONSyntaxError.self) { try JSON.parse(deep) }
    }
}
