import ArgumentParser
import ArmoryCore
import Foundation

/// The policy packs a production or scenario may name (`policies/NAME.json`). Found in
/// `ARMORY_POLICIES` if set, else in the `policies` folder of the checkout the tool was
/// built in (beside `.build`), else in `./policies`. A pack that does not read is an
/// error naming its file.
func policyPacks() throws -> [String: PolicyPack] {
    let fm = FileManager.default
    var candidates: [URL] = []
    if let dir = ProcessInfo.processInfo.environment["ARMORY_POLICIES"] { candidates.append(URL(fileURLWithPath: dir)) }
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    // .build/<configuration>/armory, or .build/<triple>/<configuration>/armory.
    var up = executable.deletingLastPathComponent()
    for _ in 0..<4 {
        up = up.deletingLastPathComponent()
        candidates.append(up.appendingPathComponent("policies"))
    }
    candidates.append(URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("policies"))
    guard let dir = candidates.first(where: { var isDir: ObjCBool = false; return fm.fileExists(atPath: $0.path, isDirectory: &isDir) && isDir.boolValue }) else {
        return [:]
    }
    var packs: [String: PolicyPack] = [:]
    for name in try fm.contentsOfDirectory(atPath: dir.path).sorted() where name.hasSuffix(".json") {
        let file = dir.appendingPathComponent(name)
        let id = String(name.dropLast(5))
        do {
            let json = try JSON.parse([UInt8](try Data(contentsOf: file)))
            packs[id] = try PolicyPack(name: id, json: json)
        } catch {
            printError("error: policy pack \(file.path): \(error)")
            throw ExitCode(ExitStatus.invalidInput)
        }
    }
    return packs
}
