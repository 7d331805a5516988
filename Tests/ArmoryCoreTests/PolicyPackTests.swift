import ArmoryCore
import Foundation
import Testing

/// Policy packs (`policies/NAME.json`): a production picks one by name; keys beside it may
/// tighten it, never loosen it; the record keeps the values, so it reads without the file.
struct PolicyPackTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func packs() throws -> [String: PolicyPack] {
        var out: [String: PolicyPack] = [:]
        for name in ["california-sb132", "safety-bulletin-1"] {
            let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent("policies/\(name).json")))
            out[name] = try PolicyPack(name: name, json: try JSON.parse(bytes))
        }
        return out
    }

    static func policy(_ text: String) throws -> Policy { try Policy(json: try JSON.parse(Array(text.utf8)), packs: try packs()) }

    @Test func theShippedPacksTurnOnWhatTheySay() throws {
        let sb132 = try Self.policy(#"{"pack": "california-sb132"}"#)
        #expect(sb132.requireCredentials && sb132.alarmsAnsweredByWrap && sb132.pack == "california-sb132")
        #expect(sb132.rulesTurnedOn == [.qual1, .alarm1])
        let sb1 = try Self.policy(#"{"pack": "safety-bulletin-1"}"#)
        #expect(!sb1.requireCredentials && sb1.alarmsAnsweredByWrap && sb1.rulesTurnedOn == [.alarm1])
    }

    @Test func keysBesideAPackMayTightenButNeverLoosen() throws {
        let tighter = try Self.policy(#"{"pack": "california-sb132", "show_clear_window_min": 5}"#)
        #expect(tighter.showClearWindowMinutes == 5 && tighter.requireCredentials)
        #expect(throws: StepFormatError.self) { try Self.policy(#"{"pack": "california-sb132", "require_credentials": false}"#) }
        #expect(throws: StepFormatError.self) { try Self.policy(#"{"pack": "safety-bulletin-1", "alarms_answered_by_wrap": false}"#) }
        #expect(throws: StepFormatError.self) { try Self.policy(#"{"pack": "no-such-pack"}"#) }
        #expect(throws: StepFormatError.self) { try Self.policy(#"{"pack": 7}"#) }
    }

    @Test func theRecordedPolicyReadsWithoutThePackFile() throws {
        let p = try Self.policy(#"{"pack": "california-sb132", "blank_safe_distance_ft": 30}"#)
        let again = try Policy(json: p.json, packs: nil)
        #expect(again == p)
        // A production recorded before packs and switches existed writes the same header.
        #expect(Policy.protocolDefault.json.compactText == #"{"show_clear_window_min":10,"blank_safe_distance_ft":20}"#)
    }

    @Test func switchesAreBooleans() {
        #expect(throws: StepFormatError.self) { try Policy(json: try JSON.parse(Array(#"{"require_credentials": "yes"}"#.utf8))) }
        #expect(throws: StepFormatError.self) { try Policy(json: try JSON.parse(Array(#"{"alarms_answered_by_wrap": 1}"#.utf8))) }
    }
}
