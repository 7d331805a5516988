import ArmoryCore
import ArmoryLedger
import ArmoryStore
import Hummingbird

/// The API's JSON for entries, written straight from their stored bytes: the same text
/// as `ArmoryAPI.entryJSON(_:).compactBytes` (members in the same order, strings escaped
/// the same way, the body copied as stored), without decoding each entry into a
/// `LogEntry` or building a `JSON` value of it. The read routes that list many entries
/// (a firearm's or lot's history, the log page by page) spend most of their work there.
package enum EntryWriter {
    /// One entry, as `entryJSON` writes it. Bytes that would not decode as an entry are
    /// refused with the same error decoding gives.
    package static func write(_ e: StoredBytes, to out: inout [UInt8]) throws {
        try e.bytes.withUnsafeBufferPointer { b in
            let l = try EntryLayout(b)
            func string(_ range: Range<Int>) { JSON.writeString(utf8: UnsafeBufferPointer(rebasing: b[range]), to: &out) }
            func literal(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
            literal(#"{"index":"#)
            out += String(e.index).utf8
            literal(#","kind":"#)
            string(l.kind)
            literal(#","at":"#)
            string(l.at)
            literal(#","by":"#)
            if l.by.isEmpty { literal("null") } else { string(l.by) }
            literal(#","outcome":"#)
            string(l.outcome)
            literal(#","rules":["#)
            var first = true
            l.forEachRule(in: b) { rule in
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                string(rule)
            }
            literal(#"],"message":"#)
            string(l.message)
            // The body is canonical JSON text, checked when the entry was recorded or loaded: copied.
            literal(#","body":"#)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[l.body]))
            if l.hasReceipt {
                literal(#","received":"#)
                string(l.received)
                literal(#","via":"#)
                string(l.via)
                if !l.recorder.isEmpty {
                    literal(#","recorded_by":"#)
                    string(l.recorder)
                }
                if !l.session.isEmpty {
                    literal(#","session":"#)
                    string(l.session)
                }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Entries as a JSON array.
    static func write(_ entries: [StoredBytes], to out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "["))
        for (k, e) in entries.enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            try write(e, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// About how many bytes the JSON of `entries` takes (their stored size, and some for
    /// the member names): what to reserve, so that the output is not copied as it grows.
    static func estimate(_ entries: [StoredBytes]) -> Int {
        entries.reduce(2) { $0 + $1.bytes.count + 160 }
    }

    /// A firearm's or lot's state and history, as the read route answers (`{"state":…,"history":[…]}`).
    /// The state is copied as stored: it is canonical JSON (`ProductionState.snapshot`'s
    /// compact text), checked against the log when the production is opened.
    package static func item(_ state: ItemState, _ history: [StoredBytes]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 + state.json.utf8.count + estimate(history))
        out += #"{"state":"#.utf8
        out += state.json.utf8
        out += #","history":"#.utf8
        try write(history, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Entries as the entries route answers (a JSON array).
    package static func list(_ entries: [StoredBytes]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(estimate(entries))
        try write(entries, to: &out)
        return out
    }
}

/// A JSON response of text already written (compact, as `jsonResponse` writes it).
func jsonResponse(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
             body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}
