// Canonical log entries (docs/FORMAT.md; entries.bin of a bundle, rows of a store):
// what LogEntry(decoding:) accepts re-encodes to exactly the same bytes and decodes
// again to an equal entry.
import ArmoryLedger
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(checkInput) }
}

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    let entry: LogEntry
    do { entry = try LogEntry(decoding: bytes) } catch { _ = error.description; return }
    let encoded = entry.encoded()
    require(encoded == bytes, "an entry decoded from bytes it does not encode to: \(show(bytes)) -> \(show(encoded))")
    require((try? LogEntry(decoding: encoded)) == entry, "an entry does not decode back equal: \(show(bytes))")
    require(entry.rules == entry.rules.sorted() && Set(entry.rules).count == entry.rules.count, "rules unsorted or repeated were accepted")
    require(entry.by != "", "an empty 'by' is kept as text instead of nil")
}

