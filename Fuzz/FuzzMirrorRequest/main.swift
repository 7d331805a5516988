// C2SP tlog-mirror `add-entries` bodies and mirror-info answers, as the studio reads a set's
// request and a set reads the studio's answer (`armory serve --mirror-from`, `--mirror-to`):
// what parses is a prefix of the canonical package sequence, writes back byte for byte as
// far as it was read, and holds only packages the protocol allows; a mirror-info body
// writes back as read; a set's ask for concerns and the studio's answer (`/mirror/concerns`)
// read back as written, within their limits.
import ArmoryLedger
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(checkInput) }
}

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    if let ask = try? ConcernExchange(body: bytes) {
        require(ask.recorded.count <= ConcernExchange.maximumRecorded && ask.recorded.allSatisfy { $0.concern > 0 }, "an ask past its limits")
        require(ask.body == bytes, "an ask does not write back byte for byte: \(show(String(decoding: bytes, as: UTF8.self)))")
    }
    if let offers = try? ConcernOffer.read(bytes) {
        require(offers.count <= ConcernOffer.maximumCount && offers.allSatisfy { $0.id > 0 }, "an answer past its limits")
        let again = Array(ConcernOffer.body(offers).utf8)
        require((try? ConcernOffer.read(again)) == offers, "an answer does not read back as written")
    }
    if let text = String(validating: bytes, as: UTF8.self), let info = MirrorInfo(text: text) {
        require(MirrorInfo(text: info.text) == info, "mirror-info does not read back: \(show(text))")
    }
    guard let request = try? AddEntries(body: bytes) else { return }
    require(request.start <= request.end, "a request with start past end")
    require(request.end <= AddEntries.maximumSize, "a request past the largest log")
    let intervals = Array(AddEntries.intervals(start: request.start, end: request.end).prefix(request.packages.count + 1))
    require(request.packages.count <= intervals.count, "more packages than the canonical sequence holds")
    for (p, r) in zip(request.packages, intervals) {
        require(p.first == r.lowerBound && p.entries.count == r.count, "a package off the canonical sequence")
        require(p.proof.count <= AddEntries.maximumProofHashes && p.proof.allSatisfy { $0.count == 32 }, "a package with an impossible proof")
        require(p.entries.allSatisfy { $0.count <= 0xffff }, "an entry longer than its length prefix allows")
    }
    // Written again, the packages read are the body's prefix, and read back the same.
    let again = AddEntries(origin: request.origin, start: request.start, end: request.end, ticket: request.ticket, packages: request.packages)
    let written = again.body
    require(Array(bytes.prefix(written.count)) == written, "what was read does not write back as the body's prefix")
    require(request.truncated == (written.count < bytes.count), "truncated is not whether bytes were left over")
    guard let reread = try? AddEntries(body: written) else { return require(false, "a written request does not read back") }
    require(reread.packages == request.packages && !reread.truncated, "a written request reads back otherwise")
}
