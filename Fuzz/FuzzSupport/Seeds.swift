import ArmoryCore
import ArmoryLedger
import Foundation

/// Writes the checked-in seed corpora (Fuzz/corpus/<target>/): small valid inputs taken
/// from scenarios/, the ledger tests' vectors and the fixture log and bundles. Run by
/// `scripts/fuzz --seeds`, through any target with ARMORY_FUZZ_WRITE_SEEDS=<dir>.
public enum Seeds {
    /// The repository, found from this file (Fuzz/FuzzSupport/Seeds.swift).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every target's seeds: file name and contents.
    public static func all() -> [String: [(String, [UInt8])]] {
        var out: [String: [(String, [UInt8])]] = [:]
        func add(_ target: String, _ name: String, _ bytes: [UInt8]) { out[target, default: []].append((name, bytes)) }
        func add(_ target: String, _ name: String, _ text: String) { add(target, name, Array(text.utf8)) }

        // Scenario files: the three in scenarios/ and the fixture's.
        let scenarioNames = ["clean-day", "rust-reconstruction", "crow-reconstruction"]
        var scenarios: [(String, [UInt8])] = scenarioNames.compactMap { name in
            (try? Data(contentsOf: repository.appendingPathComponent("scenarios/\(name).json"))).map { (name, [UInt8]($0)) }
        }
        scenarios.append(("fixture", Array(Fixtures.scenarioText.utf8)))
        for (name, bytes) in scenarios { add("FuzzScenario", name + ".json", bytes) }

        // Steps: the first of each action in every scenario, canonical.
        var actions = Set<String>()
        for (_, bytes) in scenarios {
            guard let scenario = try? Scenario(bytes: bytes) else { continue }
            for json in scenario.steps {
                guard let step = try? Step(json: json), actions.insert(step.action.name).inserted else { continue }
                add("FuzzStep", step.action.name + ".json", step.json.compactText)
            }
        }
        add("FuzzStep", "concern-anonymous.json", #"{"at":"2026-04-14T12:00:00.250+05:30","do":"report_concern","text":"live rounds\nin the prop truck?"}"#)
        add("FuzzStep", "transfer.json", #"{"case":"SFSO-2026-0415","to":"Det. Ana Ruiz","firearms":["colt-2"],"lots":["DUM-44"]}"#)
        add("FuzzStep", "fire-measured.json", #"{"at":"2026-04-14T12:00:00Z","by":"eli","do":"fire","firearm":"colt-2","scene":"31","rounds":1,"result":"blank","shooter":"eli","rehearsal":true,"nearest_person_ft":22.5}"#)

        // JSON: the corners of the grammar, a step, a small scenario.
        let documents = [
            "null", "true", "[false,null,0,-0,1.5e-7,-12.25E+3,123456789012]",
            #"{"a":"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t","b":{"c":[[],{}]}}"#,
            "\u{FEFF}  {\"bom\": \"tolerated\"}  ", #""plain text with \u0000 escapes""#,
        ]
        for (k, d) in documents.enumerated() { add("FuzzJSON", "doc-\(k).json", d) }
        add("FuzzJSON", "step.json", #"{"at":"2026-04-14T07:40:00-06:00","by":"rosa","do":"load","firearm":"colt-2","lot":"DUM-44","rounds":6,"scene":"31"}"#)
        add("FuzzJSON", "scenario.json", Fixtures.scenarioText)

        // Signed notes, cosigned checkpoints, keys.
        var texts = Set<String>()
        for note in Fixtures.log.checkpoints where texts.insert(note.text).inserted {
            add("FuzzSignedNote", "checkpoint-\(texts.count).note", note.formatted)
            add("FuzzCheckpoint", "checkpoint-\(texts.count).txt", note.text)
        }
        add("FuzzSignedNote", "golang.note", Fixtures.golangNote)
        add("FuzzSignedNote", "spec-example.note",
            "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
        add("FuzzSignedNote", "log.vkey", Fixtures.logKey.description)
        add("FuzzSignedNote", "witness.vkey", Fixtures.witnessKey.description)
        add("FuzzSignedNote", "golang.skey", "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
        add("FuzzCheckpoint", "extensions.txt", "armory/fuzz-gulch\n28\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\nextension one\n\u{2014} two\n")

        // Witness requests: the fixture log's first checkpoint from 0, then the next from it with its proof.
        let notes = Fixtures.log.checkpoints
        add("FuzzWitnessRequest", "first.txt", "old 0\n\n" + notes[0].formatted)
        if notes.count > 1, let a = try? Checkpoint(text: notes[0].text), let b = try? Checkpoint(text: notes[1].text),
           let proof = try? Fixtures.log.tree.consistencyProof(from: a.size, to: b.size),
           let request = try? AddCheckpoint(oldSize: a.size, proof: proof, note: notes[1]) {
            add("FuzzWitnessRequest", "next.txt", request.body)
        }
        add("FuzzWitnessRequest", "stale.txt", "old 7\n\n" + notes[0].formatted)

        // Tile paths (after tile/).
        for (k, path) in ["0/000", "0/x001/234.p/5", "1/000.p/17", "entries/000.p/1", "entries/x999/x999/x999/999", "63/067"].enumerated() {
            add("FuzzTilePath", "path-\(k)", path)
        }

        // tlog proofs: from the whole-log bundle.
        if let archive = try? BundleArchive(decoding: Fixtures.bundles[0]) {
            let proofs = archive.files.filter { $0.name.hasPrefix("proofs/") }
            for f in [proofs.first, proofs.dropFirst(6).first, proofs.last].compactMap({ $0 }) {
                add("FuzzTlogProof", String(f.name.dropFirst(7)), f.contents)
            }
        }

        // Log entries and whole logs.
        for (k, e) in Fixtures.log.entries.all!.enumerated() {
            let kind = (try? LogEntry(decoding: e))?.kind.rawValue ?? "entry"
            add("FuzzLogEntry", "\(k)-\(kind).bin", e)
        }
        add("FuzzLogReplay", "fixture.entries", EvidenceBundle.entriesFile(Fixtures.log.entries.all!))
        add("FuzzLogReplay", "first-4.entries", EvidenceBundle.entriesFile(Array(Fixtures.log.entries.all!.prefix(4))))

        // Archives and bundles.
        for (scope, bytes) in zip(Fixtures.scopes, Fixtures.bundles) {
            let name: String
            switch scope {
            case .all: name = "all"
            case .day: name = "day"
            case .firearm: name = "firearm"
            }
            add("FuzzBundleArchive", "bundle-\(name).tar", bytes)
        }
        add("FuzzBundleArchive", "small.tar", BundleArchive(files: [.init(name: "keys/log.vkey", contents: Array((Fixtures.logKey.description + "\n").utf8)),
                                                                      .init(name: "consistency.txt", contents: [])]).encoded())
        // Mutations: records of (operation, position: 3 bytes, value); none leaves the bundle as it is.
        add("FuzzBundleMutation", "unchanged", [UInt8]())
        add("FuzzBundleMutation", "xor-header", [0, 0, 0, 10, 0x20])
        add("FuzzBundleMutation", "set-entries", [1, 0, 0x08, 0x40, UInt8(ascii: "X")])
        add("FuzzBundleMutation", "insert-delete", [2, 0, 0x10, 0x00, 0x0A, 3, 0, 0x20, 0x00, 0x03])
        add("FuzzBundleMutation", "truncate", [4, 0, 0x30, 0x00, 0])

        // Merkle proofs: mode, size, index or first size, leaf or first root, proof hashes (2 bytes each).
        add("FuzzMerkleProof", "inclusion", [0, 10, 6, 6, 0, 1, 0, 2, 0, 3])
        add("FuzzMerkleProof", "consistency", [1, 20, 7, 7, 0, 4, 0, 5, 0, 6])
        add("FuzzMerkleProof", "empty", [0, 0])
        return out
    }

    /// Writes every target's seeds under `directory`/<target>/, replacing what is there.
    public static func write(to directory: String) {
        let fm = FileManager.default
        for (target, files) in all() {
            let dir = URL(fileURLWithPath: directory).appendingPathComponent(target)
            try? fm.removeItem(at: dir)
            try! fm.createDirectory(at: dir, withIntermediateDirectories: true)
            for (name, bytes) in files { try! Data(bytes).write(to: dir.appendingPathComponent(name)) }
            print("\(target): \(files.count) seeds, \(files.reduce(0) { $0 + $1.1.count }) bytes")
        }
    }

    /// Called by every target's `LLVMFuzzerInitialize`: writes the seeds and exits when
    /// ARMORY_FUZZ_WRITE_SEEDS names a directory.
    public static func writeIfAsked() {
        guard let directory = ProcessInfo.processInfo.environment["ARMORY_FUZZ_WRITE_SEEDS"] else { return }
        write(to: directory)
        exit(0)
    }
}

/// What every target's `LLVMFuzzerInitialize` does.
public func fuzzSetUp() {
    Seeds.writeIfAsked()
}
