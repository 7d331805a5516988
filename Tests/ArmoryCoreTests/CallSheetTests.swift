import ArmoryCore
import Testing

/// Call-sheet import: strict CSV, a bad row named by line and column, and the crew steps
/// that bring the crew list to the sheet (never a leave; nothing the second time).
struct CallSheetTests {
    static let header = "id,name,roles,permit,permit_expires,training,training_expires"

    static func sheet(_ rows: [String], crlf: Bool = false, bom: Bool = false) throws(CallSheetError) -> CallSheet {
        let text = ([header] + rows).joined(separator: crlf ? "\r\n" : "\n") + (crlf ? "\r\n" : "\n")
        return try CallSheet(bytes: (bom ? [0xEF, 0xBB, 0xBF] : []) + Array(text.utf8))
    }

    static func error(_ rows: [String], header: String = CallSheetTests.header) -> CallSheetError? {
        do {
            _ = try CallSheet(bytes: Array(([header] + rows).joined(separator: "\n").utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func aSheetWithABOMQuotedCommasCRLFAndKoreanNamesReads() throws {
        let s = try Self.sheet([
            #"jun,"Seo, Jun-ho (서준호)",talent,,,SB1-1,2027-01-31"#,
            #"ana,Ana Ortiz,armorer,CA-1,2027-06-30,SB1-2,2027-06-30"#,
            #""min","Kim ""Min"" 김민",talent;crew,,,,"#,
        ], crlf: true, bom: true)
        #expect(s.rows.map(\.id) == ["jun", "ana", "min"])
        #expect(s.rows[0].name == "Seo, Jun-ho (서준호)" && s.rows[2].name == #"Kim "Min" 김민"#)
        #expect(s.rows[2].roles == [.talent, .crew] && s.rows[2].credentials.isEmpty)
        #expect(s.rows[1].credentials.map(\.kind) == [.permit, .training])
        #expect(s.rows.map(\.line) == [2, 3, 4])
    }

    @Test func linesAreCountedAsWrittenAndANameHoldsNoLineBreak() throws {
        let s = try Self.sheet(["jun,Jun Seo,talent,,,,", "", "kim,Kim Vale,talent,,,,"])
        #expect(s.rows.map(\.line) == [2, 4])
        #expect(Self.error([#"jun,"Jun"#, #"Seo",talent,,,,"#, "kim,Kim Vale,talent,,,,"]).map(\.place) == "2:2")
        #expect(Self.error(["jun,Jun Seo,talent,,,,", #"kim,"Kim"#, #"Vale",talent,,,,"#, "zed,Zed,nobody,,,,"]).map(\.place) == "3:2")
    }

    @Test func aBadRowNamesItsLineAndColumn() {
        #expect(Self.error(["jun,Jun Seo,stunts,,,,"]).map(\.place) == "2:3")
        #expect(Self.error(["jun,Jun Seo,talent,,,T-1,2027-13-01"]).map(\.place) == "2:7")
        #expect(Self.error(["jun,Jun Seo,talent,,,,", "jun,Jun Seo,talent,,,,"]).map(\.place) == "3:1")
        #expect(Self.error(["jun,Jun Seo,talent,,,"]).map(\.place) == "2:7")
        #expect(Self.error(["jun,Jun Seo,talent,,,,,"]).map(\.place) == "2:8")
        #expect(Self.error([",Jun Seo,talent,,,,"]).map(\.place) == "2:1")
        #expect(Self.error(["jun,Jun Seo,,,,,"]).map(\.place) == "2:3")
        #expect(Self.error(["jun,Jun Seo,talent,P-1,,,"]).map(\.place) == "2:5")
        #expect(Self.error(["jun,Jun Seo,talent,,2027-01-01,,"]).map(\.place) == "2:4")
        #expect(Self.error([#"jun,"Jun Seo,talent,,,,"#]).map { $0.line } == 2)
        #expect(Self.error([#"jun,Jun "J" Seo,talent,,,,"#]).map(\.place) == "2:2")
        #expect(Self.error([], header: "id,name,role,permit,permit_expires,training,training_expires").map(\.place) == "1:3")
        #expect(Self.error([], header: "").map { $0.line } == 1)
        #expect(Self.error(["jun\u{7},Jun,talent,,,,"]).map(\.place) == "2:1")
    }

    @Test func theStepsBringTheCrewToTheSheetAndNothingMoreTheSecondTime() throws {
        var state = ProductionState(people: [
            Person(id: "pat", name: "Pat Lee", roles: [.producer]),
            Person(id: "ben", name: "Ben Cole", roles: [.talent]),
            Person(id: "kim", name: "Kim Vale", roles: [.talent], credentials: [Credential(kind: .training, number: "T-9", expires: CalendarDate("2027-01-01")!)]),
            Person(id: "cy", name: "Cy Moss", roles: [.crew]),
        ])
        let s = try Self.sheet([
            "ben,Ben Cole,talent;crew,,,,",
            "kim,Kim Vale,talent,,,T-9,2027-01-01",
            "jun,Jun Seo,talent,,,T-1,2027-01-31",
        ])
        let actions = s.actions(against: state)
        #expect(actions == [
            .setRoles(person: "ben", roles: [.talent, .crew]),
            .join(person: "jun", name: "Jun Seo", roles: [.talent], credentials: [Credential(kind: .training, number: "T-1", expires: CalendarDate("2027-01-31")!)]),
        ], "cy is missing from the sheet and is not taken off the crew")
        var at: Int64 = 1_772_460_000
        for a in actions {
            at += 60
            #expect(try state.apply(Step(at: Timestamp(seconds: at, offsetMinutes: 0), by: "pat", action: a)).outcome == .ok)
        }
        #expect(s.actions(against: state).isEmpty)
        #expect(state.people["cy"]?.onCrew == true)
    }

    @Test func aRenewedCredentialIsRecorded() throws {
        let state = ProductionState(people: [
            Person(id: "ana", name: "Ana Ortiz", roles: [.armorer], credentials: [Credential(kind: .permit, number: "P-1", expires: CalendarDate("2026-01-01")!)]),
        ])
        let s = try Self.sheet(["ana,Ana Ortiz,armorer,P-1,2028-01-01,,"])
        #expect(s.actions(against: state) == [.credential(person: "ana", credential: Credential(kind: .permit, number: "P-1", expires: CalendarDate("2028-01-01")!))])
    }
}

extension CallSheetError {
    /// "line:column", for comparing where an error points.
    var place: String { "\(line):\(column.map(String.init) ?? "-")" }
}
