import ArmoryAPI
import Foundation

/// The pages' stylesheet and script (`Static/armory.css` and `Static/armory.js`), served from
/// `/static/` (so the Content-Security-Policy can forbid inline script).
enum PageAssets {
    static let css = ResourceText.read("armory", extension: "css", subdirectory: "Static", from: .module)
    static let js = ResourceText.read("armory", extension: "js", subdirectory: "Static", from: .module)
    /// The service worker that shows alarms pushed to a phone.
    static let serviceWorker = ResourceText.read("sw", extension: "js", subdirectory: "Static", from: .module)
}
