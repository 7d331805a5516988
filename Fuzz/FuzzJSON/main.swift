// JSON text (RFC 8259, Armory's strict reader): whatever parses is written compactly and
// parses back to an equal value, and the compact text is a fixed point.
import ArmoryCore
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(checkInput) }
}

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    guard let value = try? JSON.parse(bytes) else { return }
    let compact = value.compactBytes
    require(value.compactText == String(decoding: compact, as: UTF8.self), "compactText and compactBytes disagree")
    let again: JSON
    do { again = try JSON.parse(compact) } catch { violated("the compact text of a parsed value does not parse (\(error)): \(show(compact))") }
    require(again == value, "parse(compactText(v)) != v for input \(show(bytes)) written as \(show(compact))")
    require(again.compactBytes == compact, "compact text is not a fixed point: \(show(compact)) then \(show(again.compactBytes))")
    _ = value.kindName
    if case let .object(members) = value, let first = members.first { require(value[first.key] == first.value, "subscript misses the first key") }
    _ = value.intValue  // never traps, whatever the number
}

