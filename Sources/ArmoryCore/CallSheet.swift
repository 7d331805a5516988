/// Why a call sheet cannot be imported: the line (1-based, the header is line 1) and the
/// column (1-based, or nil for the row as a whole) at fault. Nothing from a sheet with a bad
/// row is recorded.
public struct CallSheetError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int?
    public let message: String

    public init(line: Int, column: Int?, _ message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        "line \(line)" + (column.map { ", column \($0) (\(CallSheet.columns.indices.contains($0 - 1) ? CallSheet.columns[$0 - 1] : "beyond the last")" + ")" } ?? "") + ": \(message)"
    }
}

/// A day's call sheet as a producer exports it: CSV with the header
/// `id,name,roles,permit,permit_expires,training,training_expires`, roles separated by `;`.
/// Read strictly (RFC 4180 quoting, CRLF or LF, a UTF-8 byte-order mark allowed); turned
/// into the crew steps (ROLE-3) that bring the crew list to what the sheet says.
public struct CallSheet: Sendable, Equatable {
    public static let columns = ["id", "name", "roles", "permit", "permit_expires", "training", "training_expires"]
    /// Rows a sheet may hold: far more than any day's crew.
    public static let maximumRows = 5_000

    /// One person as the sheet lists them.
    public struct Row: Sendable, Equatable {
        public let line: Int
        public let id: String
        public let name: String
        public let roles: [Role]
        public let credentials: [Credential]
    }

    public let rows: [Row]

    public init(bytes: [UInt8]) throws(CallSheetError) {
        var text = bytes[...]
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
        guard let decoded = String(validating: text, as: UTF8.self) else {
            throw CallSheetError(line: 1, column: nil, "the sheet is not UTF-8 text")
        }
        let records = try Self.records(decoded)
        guard let header = records.first else { throw CallSheetError(line: 1, column: nil, "the sheet is empty; its first line is the header \(Self.columns.joined(separator: ","))") }
        let names = header.fields.map { $0.trimmingCharacters() }
        guard names == Self.columns else {
            let k = Array(zip(names, Self.columns)).firstIndex { $0.0 != $0.1 } ?? min(names.count, Self.columns.count)
            throw CallSheetError(line: header.line, column: k + 1,
                                 "the header must be \(Self.columns.joined(separator: ",")), not \(names.joined(separator: ","))")
        }
        guard records.count - 1 <= Self.maximumRows else {
            throw CallSheetError(line: records[Self.maximumRows + 1].line, column: nil, "a sheet holds at most \(Self.maximumRows) people")
        }
        var rows: [Row] = []
        var seen: [String: Int] = [:]
        for record in records.dropFirst() {
            let f = record.fields
            let line = record.line
            guard f.count == Self.columns.count else {
                throw CallSheetError(line: line, column: f.count < Self.columns.count ? f.count + 1 : Self.columns.count + 1,
                                     "\(f.count) columns, not \(Self.columns.count)" + (f.count < Self.columns.count ? ": '\(Self.columns[f.count])' is missing" : ": one too many"))
            }
            func field(_ k: Int, required: Bool) throws(CallSheetError) -> String? {
                let v = f[k].trimmingCharacters()
                if v.isEmpty {
                    if required { throw CallSheetError(line: line, column: k + 1, "\(Self.columns[k]) is empty") }
                    return nil
                }
                let isID = k == 0
                let maximum = isID ? Limits.maximumIDLength : Limits.maximumNameLength
                let allowed = v.unicodeScalars.allSatisfy { isID ? Limits.isIDCharacter($0) : !Limits.isControl($0) }
                guard v.unicodeScalars.count <= maximum, allowed else {
                    throw CallSheetError(line: line, column: k + 1, "\(Self.columns[k]) must be \(Limits.describe(k == 0 ? "person" : "name") ?? "shorter")")
                }
                return v
            }
            let id = try field(0, required: true)!
            if let first = seen[id] { throw CallSheetError(line: line, column: 1, "'\(id)' is listed twice (first on line \(first))") }
            seen[id] = line
            let name = try field(1, required: true)!
            var roles: [Role] = []
            for part in try field(2, required: true)!.split(separator: ";", omittingEmptySubsequences: false) {
                let r = String(part).trimmingCharacters()
                guard let role = Role(rawValue: r) else {
                    throw CallSheetError(line: line, column: 3, "unknown role '\(r)' (one of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")); separate several with ';')")
                }
                if !roles.contains(role) { roles.append(role) }
            }
            var credentials: [Credential] = []
            for (kind, k) in [(CredentialKind.permit, 3), (.training, 5)] {
                let number = try field(k, required: false)
                let expires = try field(k + 1, required: false)
                switch (number, expires) {
                case (nil, nil): continue
                case (nil, _?): throw CallSheetError(line: line, column: k + 1, "\(kind.rawValue) has an expiry but no number")
                case (_?, nil): throw CallSheetError(line: line, column: k + 2, "\(kind.rawValue) has a number but no expiry (YYYY-MM-DD)")
                case let (number?, expires?):
                    guard let date = CalendarDate(expires) else {
                        throw CallSheetError(line: line, column: k + 2, "\(Self.columns[k + 1]) must be a date written YYYY-MM-DD, not '\(expires)'")
                    }
                    credentials.append(Credential(kind: kind, number: number, expires: date))
                }
            }
            rows.append(Row(line: line, id: id, name: name, roles: roles, credentials: credentials))
        }
        self.rows = rows
    }

    /// The crew steps that bring `state`'s crew list to this sheet, in the sheet's order:
    /// a `join` for anyone not on the crew, a `set_roles` where the roles differ, a
    /// `credential` where a permit or training differs. Never a `leave`: someone missing
    /// from one day's sheet may just be off that day. Nothing when the crew already agrees.
    public func actions(against state: ProductionState) -> [Action] {
        var out: [Action] = []
        for row in rows {
            guard let now = state.people[row.id], now.onCrew else {
                out.append(.join(person: row.id, name: row.name, roles: row.roles, credentials: row.credentials))
                continue
            }
            if now.roles != Set(row.roles) { out.append(.setRoles(person: row.id, roles: row.roles)) }
            for c in row.credentials where now.credential(c.kind) != c {
                out.append(.credential(person: row.id, credential: c))
            }
        }
        return out
    }

    /// One record of the sheet and the line it starts on.
    struct Record {
        let line: Int
        let fields: [String]
    }

    /// Splits CSV text into records (RFC 4180): fields separated by commas, a field in
    /// double quotes may hold commas, line breaks and doubled quotes; CRLF or LF ends a
    /// record; blank lines are skipped.
    static func records(_ text: String) throws(CallSheetError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1, recordLine = 1
        var quoted = false, wasQuoted = false, afterQuote = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
            field = ""
            wasQuoted = false
            afterQuote = false
        }
        while let c = pending ?? scalars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    let next = scalars.next()
                    if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; afterQuote = true; pending = next }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                fields.append(field)
                field = ""
                wasQuoted = false
                afterQuote = false
            case "\r":
                let next = scalars.next()
                if next != "\n" { pending = next }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            case "\"":
                guard field.trimmingCharacters().isEmpty, !afterQuote else {
                    throw CallSheetError(line: line, column: fields.count + 1, "a quote inside an unquoted field; put the whole field in double quotes and double the quote")
                }
                field = ""
                quoted = true
                wasQuoted = true
            default:
                if afterQuote, c != " " {
                    throw CallSheetError(line: line, column: fields.count + 1, "text after a field's closing quote")
                }
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw CallSheetError(line: recordLine, column: fields.count + 1, "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        return records
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingCharacters() -> String {
        let s = unicodeScalars
        guard let first = s.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = s.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(s[first...last])
    }
}
