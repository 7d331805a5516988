import Foundation

/// The OpenAPI 3.1 description of the API, served at `/openapi.json`: the file
/// `Resources/openapi.json`, read once when the router is built.
enum OpenAPIDocument {
    static let text = ResourceText.read("openapi", extension: "json", from: .module)
}

/// The text of a file the server ships beside its code (the OpenAPI document, the pages'
/// templates, stylesheet and script), so editors, linters and diffs can read it.
package enum ResourceText {
    /// The file's text. A file ends with a newline, as text files do; that one newline is
    /// not part of what is served, so the pages and the document are exactly as written
    /// above it. A missing file stops the server when it starts, never on a request.
    package static func read(_ name: String, extension ext: String, subdirectory: String? = nil, from bundle: Bundle) -> String {
        guard let url = bundle.url(forResource: name, withExtension: ext, subdirectory: subdirectory),
              let data = FileManager.default.contents(atPath: url.path),
              var text = String(data: data, encoding: .utf8)
        else {
            fatalError("\(subdirectory.map { $0 + "/" } ?? "")\(name).\(ext) is missing from \(bundle.bundlePath): "
                       + "install the armory binary together with the .resources directories built beside it")
        }
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
