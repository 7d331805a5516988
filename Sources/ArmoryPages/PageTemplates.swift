import ArmoryAPI
import Foundation

/// The pages' Mustache templates, one file each in `Templates/`, named by the file's name
/// without `.mustache`. Values are HTML-escaped by `{{...}}`; `{{{...}}}` is used only for
/// markup the server built itself (forms, SVG), which escapes what it embeds.
enum PageTemplates {
    static let names = ["layout", "home", "signin", "tablet", "item", "act", "result", "dashboard", "report", "labels", "timeline",
                        "entry", "concern", "concern-sent", "poster", "message",
                        "open-alarms", "crew", "crew-import", "tablet-live"]
    static let all: [String: String] = Dictionary(uniqueKeysWithValues: names.map { name in
        (name, ResourceText.read(name, extension: "mustache", subdirectory: "Templates", from: .module))
    })
}
