import CQRencode

/// A QR code from libqrencode (byte mode, error correction M: a label stays readable
/// with some of it scuffed), as a square of dark and light modules.
public struct QRCode: Sendable {
    public let size: Int
    public let modules: [Bool]

    public init?(_ text: String) {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        size = width
        // Bit 0 of each byte is the module's colour (1 = dark).
        modules = (0..<(width * width)).map { code.pointee.data[$0] & 1 == 1 }
    }

    public func isDark(_ x: Int, _ y: Int) -> Bool { modules[y * size + x] }

    /// An SVG of the code with a four-module quiet zone, one path of unit squares.
    public func svg(pixels: Int, label: String) -> String {
        let n = size + 8
        var path = ""
        for y in 0..<size {
            for x in 0..<size where isDark(x, y) { path += "M\(x + 4),\(y + 4)h1v1h-1z" }
        }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(n) \(n)" width="\(pixels)" height="\(pixels)" role="img" \
        aria-label="\(htmlEscape(label))" shape-rendering="crispEdges"><rect width="\(n)" height="\(n)" fill="#fff"/>\
        <path d="\(path)" fill="#000"/></svg>
        """
    }
}

/// Escapes text for HTML and XML content and attributes.
public func htmlEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
