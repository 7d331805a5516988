// JSON text (RFC 8259, Armory's strict reader): whatever parses is written compactly and
// parses back to an equal value, and the compact text is a fixed point.
import ArmoryCore
import FuzzSupport

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    fuzzSetUp()
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    guard let value = try? JSON.parse(bytes) else { return 0 }
    let compact = value.compactBytes
    require(value.compactText == String(decoding: compact, as: UTF8.self), "compactText and compactBytes disagree")
    let again: JSON
    do { again = try JSON.parse(compact) } catch { violated("the compact text of a parsed value does not parse (\(error)): \(show(compact))") }
    require(again == value, "parse(compactText(v)) != v for input \(show(bytes)) written as \(show(compact))")
    require(again.compactBytes == compact, "compact text is not a fixed point: \(show(compact)) then \(show(again.compactBytes))")
    _ = value.kindName
    if case let .object(members) = value, let first = members.first { require(value[first.key] == first.value, "subscript misses the first key") }
    _ = value.intValue  // never traps, whatever the number
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
