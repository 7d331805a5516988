import Foundation
import Testing

@testable import ArmoryPages

/// The pages' templates are files named after the template (`Templates/act.mustache` is
/// "act"), and every one of them is loaded when the server starts: a template added
/// without its name, or a name without its file, is caught here rather than as an empty
/// page on set.
struct PageResourcesTests {
    @Test func everyTemplateFileIsLoadedByItsName() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/ArmoryPages/Templates").standardizedFileURL
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".mustache") }
        #expect(Set(files.map { String($0.dropLast(".mustache".count)) }) == Set(PageTemplates.names))
        #expect(PageTemplates.all.count == PageTemplates.names.count)
    }

    /// What is served is the file as written, without the newline that ends it.
    @Test func theStylesheetAndScriptAreTheFilesAsWritten() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/ArmoryPages/Static").standardizedFileURL
        for (name, served) in [("armory.css", PageAssets.css), ("armory.js", PageAssets.js)] {
            let file = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(served + "\n" == file, "\(name)")
        }
    }
}
