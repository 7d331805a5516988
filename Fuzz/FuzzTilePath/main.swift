// C2SP tlog-tiles paths, as a production's tiled log reads them from a signed-in client
// (`/logs/<production>/tile/...`): what parses is the one spelling the format writes (it
// writes back byte for byte), with a level, index and width in range; the tile a path names
// is complete in a tree exactly when the tree holds all of its nodes.
import ArmoryLedger
import FuzzSupport

@main
enum FuzzMain {
    static func main() { runFuzzing(checkInput) }
}

/// The properties every input is held to.
func checkInput(_ bytes: [UInt8]) {
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    let segments = text.split(separator: "/", omittingEmptySubsequences: false)
    guard let tile = TileAddress(segments: segments) else { return }
    require(tile.path == "tile/" + text, "a tile path does not write back as read: \(show(text)) -> \(tile.path)")
    require((tile.level.map { (0...TileAddress.maximumLevel).contains($0) } ?? true) && (0...TileAddress.maximumIndex).contains(tile.index)
            && (1...TileAddress.fullWidth).contains(tile.width), "a tile with an impossible field: \(show(text))")
    // Complete in a tree of exactly the size its last node needs, and not one leaf short.
    guard tile.treeLevel < 62 else { return }
    let (needed, overflow) = (tile.firstNode + tile.width).multipliedReportingOverflow(by: 1 << tile.treeLevel)
    guard !overflow else { return }
    require(tile.isComplete(inTreeOf: needed) && !tile.isComplete(inTreeOf: needed - 1), "a tile complete at the wrong size: \(show(text))")
    if let covering = TileAddress.covering(node: tile.firstNode + tile.width - 1, level: tile.level, size: needed) {
        require(covering.index == tile.index && covering.width == tile.width, "the tile covering a tree's last node is not this one: \(show(text))")
    } else {
        require(false, "no tile covers the last node of a tree that holds it: \(show(text))")
    }
}
