// Canonical log entries (docs/FORMAT.md; entries.bin of a bundle, rows of a store):
// what LogEntry(decoding:) accepts re-encodes to exactly the same bytes and decodes
// again to an equal entry.
import ArmoryLedger
import FuzzSupport

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    fuzzSetUp()
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    let entry: LogEntry
    do { entry = try LogEntry(decoding: bytes) } catch { _ = error.description; return 0 }
    let encoded = entry.encoded()
    require(encoded == bytes, "an entry decoded from bytes it does not encode to: \(show(bytes)) -> \(show(encoded))")
    require((try? LogEntry(decoding: encoded)) == entry, "an entry does not decode back equal: \(show(bytes))")
    require(entry.rules == entry.rules.sorted() && Set(entry.rules).count == entry.rules.count, "rules unsorted or repeated were accepted")
    require(entry.by != "", "an empty 'by' is kept as text instead of nil")
    return 0
}

@main
enum FuzzMain {
    static func main() {
        runFuzzer { data, size in
            var empty: UInt8 = 0
            return data.map { fuzz($0, size) } ?? fuzz(&empty, 0)
        }
    }
}
