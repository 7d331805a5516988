import ArmoryCore

/// A set asking the studio for the concerns raised there for its production (Armory's own
/// addition to the mirror, docs/FORMAT.md): `POST <studio>/mirror/concerns` with the set's
/// token, the body the log's origin line, then one line for each concern the set recorded
/// since it last asked, `recorded <concern> <entry>`. The studio answers 200 with the
/// concerns still waiting (`ConcernOffer`), the ones just named no longer among them.
public struct ConcernExchange: Sendable, Equatable {
    /// Most bytes of a request.
    public static let maximumBodyLength = 16 * 1024
    /// Most concerns named recorded in one request.
    public static let maximumRecorded = 64

    public let origin: String
    public let recorded: [Recorded]

    public struct Recorded: Sendable, Equatable {
        /// The concern's number at the studio.
        public let concern: Int
        /// The set's entry that records it.
        public let entry: Int
        public init(concern: Int, entry: Int) {
            self.concern = concern
            self.entry = entry
        }
    }

    public init(origin: String, recorded: [Recorded]) {
        self.origin = origin
        self.recorded = recorded
    }

    public var body: [UInt8] {
        Array((origin + "\n" + recorded.map { "recorded \($0.concern) \($0.entry)\n" }.joined()).utf8)
    }

    /// Reads a request exactly as `body` writes it; the error names the line.
    public init(body: [UInt8]) throws(AddEntries.Malformed) {
        guard body.count <= Self.maximumBodyLength else { throw AddEntries.Malformed(message: "the request is over \(Self.maximumBodyLength) bytes") }
        guard let text = String(validating: body, as: UTF8.self) else { throw AddEntries.Malformed(message: "the request is not UTF-8 text") }
        guard text.hasSuffix("\n") else { throw AddEntries.Malformed(message: "the request does not end with a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, !first.isEmpty, first.utf8.count <= AddEntries.maximumOriginLength,
              first.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f }) else {
            throw AddEntries.Malformed(message: "line 1: the log's origin, printable and without spaces")
        }
        guard lines.count - 1 <= Self.maximumRecorded else { throw AddEntries.Malformed(message: "more than \(Self.maximumRecorded) concerns named recorded") }
        var recorded: [Recorded] = []
        for (k, line) in lines.dropFirst().enumerated() {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "recorded", let concern = plainDecimal(parts[1]), concern > 0,
                  let entry = plainDecimal(parts[2]) else {
                throw AddEntries.Malformed(message: "line \(k + 2): 'recorded <concern> <entry>' in plain decimal")
            }
            recorded.append(Recorded(concern: concern, entry: entry))
        }
        self.init(origin: String(first), recorded: recorded)
    }
}

/// A concern raised at the studio, as the studio hands it to the set.
public struct ConcernOffer: Sendable, Equatable {
    public static let contentType = "application/json"
    /// Most concerns in one answer; the rest follow in the next.
    public static let maximumCount = 16

    /// Its number at the studio: the set records it under the key `studio-concern-<id>`, so
    /// a concern handed over twice is recorded once.
    public let id: Int
    /// When the studio received it (RFC 3339).
    public let raised: String
    public let text: String
    public let scene: String?

    public init(id: Int, raised: String, text: String, scene: String?) {
        self.id = id
        self.raised = raised
        self.text = text
        self.scene = scene
    }

    /// The idempotency key the set records it under.
    public var key: String { "studio-concern-\(id)" }

    /// The answer's body: `{"concerns": [...]}`.
    public static func body(_ offers: [ConcernOffer]) -> String {
        JSON.object([("concerns", .array(offers.map { o in
            .object([("id", .int(o.id)), ("raised", .string(o.raised)), ("text", .string(o.text))]
                    + (o.scene.map { [("scene", JSON.string($0))] } ?? []))
        }))]).compactText
    }

    /// Reads an answer exactly as `body` writes it.
    public static func read(_ bytes: [UInt8]) throws(AddEntries.Malformed) -> [ConcernOffer] {
        guard bytes.count <= 1024 * 1024, let json = try? JSON.parse(bytes), case let .object(members) = json,
              members.count == 1, members[0].key == "concerns", let list = members[0].value.arrayValue, list.count <= maximumCount else {
            throw AddEntries.Malformed(message: "the studio's answer is not {\"concerns\": [at most \(maximumCount)]}")
        }
        var out: [ConcernOffer] = []
        for item in list {
            guard case let .object(fields) = item, Set(fields.map(\.key)).isSubset(of: ["id", "raised", "text", "scene"]),
                  let id = item["id"]?.intValue, id > 0, let raised = item["raised"]?.stringValue, Timestamp(rfc3339: raised) != nil,
                  let text = item["text"]?.stringValue, item["scene"] == nil || item["scene"]?.stringValue != nil else {
                throw AddEntries.Malformed(message: "a concern in the studio's answer is not {id, raised, text, scene?}")
            }
            out.append(ConcernOffer(id: id, raised: raised, text: text, scene: item["scene"]?.stringValue))
        }
        return out
    }
}
