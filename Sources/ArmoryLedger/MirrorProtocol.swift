import Foundation

/// One `add-entries` request of C2SP tlog-mirror: the log's origin, the interval of entries
/// uploaded (`[start, end)`, `end` the size of a checkpoint the mirror holds as pending),
/// the mirror's opaque ticket, then entry packages aligned at multiples of 256.
///
/// Armory's one departure (docs/FORMAT.md): each package proves its entries with the RFC
/// 9162 consistency proof from the tree ending at the package's last entry to the tree of
/// `end`, where the protocol has a subtree consistency proof. The studio holds the set's
/// log from entry 0, so it computes the root at the package's end and checks that proof
/// against the pending checkpoint; no new proof kind is needed on either side.
public struct AddEntries: Sendable, Equatable {
    /// Entries per package, and the alignment of packages.
    public static let packageSize = 256
    /// Most hashes a package's proof may hold.
    public static let maximumProofHashes = 63
    /// Longest origin line.
    public static let maximumOriginLength = 1024
    /// Longest ticket.
    public static let maximumTicketLength = 1024

    /// One package: its first entry's index, its entries, and its proof.
    public struct Package: Sendable, Equatable {
        public let first: Int
        public let entries: [[UInt8]]
        public let proof: [Hash]
        public var end: Int { first + entries.count }

        public init(first: Int, entries: [[UInt8]], proof: [Hash]) {
            self.first = first
            self.entries = entries
            self.proof = proof
        }
    }

    public let origin: String
    public let start: Int
    public let end: Int
    public let ticket: [UInt8]
    /// The packages read, in order: a prefix of the canonical sequence.
    public let packages: [Package]
    /// Whether bytes were left after the last whole package (a body cut short).
    public let truncated: Bool

    public init(origin: String, start: Int, end: Int, ticket: [UInt8] = [], packages: [Package]) {
        self.origin = origin
        self.start = start
        self.end = end
        self.ticket = ticket
        self.packages = packages
        self.truncated = false
    }

    /// The largest `upload_end` read: far past any production's log, and far enough below
    /// `Int.max` that no interval's arithmetic can overflow.
    public static let maximumSize = 1 << 48

    /// The canonical sequence of package intervals for `[start, end)`, made as it is read
    /// (a request names its interval before anything shows how many packages it holds).
    public static func intervals(start: Int, end: Int) -> some Sequence<Range<Int>> {
        let n = packageSize
        let roundedStart = start / n * n
        // Empty when nothing is uploaded; otherwise from the package holding `start` to the one holding `end - 1`.
        return stride(from: roundedStart, to: start < end ? end : roundedStart, by: n).lazy.map { max(start, $0)..<min(end, $0 + n) }
    }

    /// The body as a log sends it.
    public var body: [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: Int) { out += [UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
        func u64(_ v: Int) { for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: UInt64(v) >> UInt64(shift))) } }
        u16(origin.utf8.count)
        out += Array(origin.utf8)
        u64(start)
        u64(end)
        u16(ticket.count)
        out += ticket
        for p in packages {
            for e in p.entries {
                u16(e.count)
                out += e
            }
            out.append(UInt8(p.proof.count))
            for h in p.proof { out += h }
        }
        return out
    }

    /// Why a request's head cannot be read: the protocol's 400.
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Reads a request body: its head, then each whole package of the canonical sequence
    /// in order, stopping at the first that is cut short or malformed (`truncated`): the
    /// mirror keeps what came before it, as the protocol has it.
    public init(body bytes: [UInt8]) throws(Malformed) {
        var at = 0
        func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard n >= 0, bytes.count - at >= n else { return nil }
            defer { at += n }
            return bytes[at..<(at + n)]
        }
        func int(_ n: Int) -> Int? {
            guard let b = take(n) else { return nil }
            let v = b.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return v <= UInt64(Int.max) ? Int(v) : nil
        }
        guard let originLength = int(2), originLength <= Self.maximumOriginLength, let o = take(originLength),
              let origin = String(validating: o, as: UTF8.self), !origin.isEmpty
        else { throw Malformed(message: "the log origin is missing or not UTF-8") }
        guard let start = int(8), let end = int(8) else { throw Malformed(message: "upload_start and upload_end are missing") }
        guard start <= end else { throw Malformed(message: "upload_start \(start) is past upload_end \(end)") }
        guard end <= Self.maximumSize else { throw Malformed(message: "upload_end \(end) is past any log (\(Self.maximumSize))") }
        guard let ticketLength = int(2), ticketLength <= Self.maximumTicketLength, let ticket = take(ticketLength) else {
            throw Malformed(message: "the ticket is missing or too long")
        }
        var packages: [Package] = []
        var truncated = false
        packages: for range in Self.intervals(start: start, end: end) {
            let mark = at
            var entries: [[UInt8]] = []
            entries.reserveCapacity(range.count)
            for _ in range {
                guard let n = int(2), let e = take(n) else {
                    truncated = at > mark || at < bytes.count
                    at = mark
                    break packages
                }
                entries.append(Array(e))
            }
            guard let count = int(1), count <= Self.maximumProofHashes, let hashes = take(count * 32) else {
                truncated = true
                at = mark
                break
            }
            let proof = stride(from: hashes.startIndex, to: hashes.endIndex, by: 32).map { Array(hashes[$0..<($0 + 32)]) }
            packages.append(Package(first: range.lowerBound, entries: entries, proof: proof))
        }
        if at < bytes.count { truncated = true }
        self.origin = origin
        self.start = start
        self.end = end
        self.ticket = Array(ticket)
        self.packages = packages
        self.truncated = truncated
    }
}

/// A mirror's `text/x.tlog.mirror-info` body (409 and 202): the size of a valid pending
/// checkpoint, the mirror's next entry, and its ticket.
public struct MirrorInfo: Sendable, Equatable {
    public static let contentType = "text/x.tlog.mirror-info"
    public let pendingSize: Int
    public let nextEntry: Int
    public let ticket: [UInt8]

    public init(pendingSize: Int, nextEntry: Int, ticket: [UInt8] = []) {
        self.pendingSize = pendingSize
        self.nextEntry = nextEntry
        self.ticket = ticket
    }

    public var text: String { "\(pendingSize)\n\(nextEntry)\n\(Data(ticket).base64EncodedString())\n" }

    /// Reads the body; nil when it is not three lines as the protocol writes them.
    public init?(text: String) {
        guard text.hasSuffix("\n") else { return nil }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 3, let size = plainDecimal(lines[0]), let next = plainDecimal(lines[1]),
              let ticket = Data(base64Encoded: String(lines[2])) else { return nil }
        self.init(pendingSize: size, nextEntry: next, ticket: Array(ticket))
    }
}
