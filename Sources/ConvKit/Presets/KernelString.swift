import Foundation

/// ImageMagick kernel strings, as `-morphology` and `-convolve` take them.
///
/// Grammar (one kernel; several separated by `;` make a bank):
///
///     WxH[+X+Y]: v v v ...      values row by row, separated by commas and/or spaces
///     W: v v v ...              H = W
///     v,v,v,...                 legacy form: an odd square number of values
///
/// `+X+Y` is the kernel's origin (default: the centre, `(W-1)/2`, `(H-1)/2`).
/// convkit anchors kernels as PyTorch does (top-left of the middle), so an
/// origin elsewhere is honoured by surrounding the kernel with zero taps until
/// the origin is that middle: the output is exactly ImageMagick's.
/// `nan` or `-` cells (outside ImageMagick's neighbourhood) count as zero weights.
///
///     try KernelString.parse("3x3: -1,0,1 -2,0,2 -1,0,1")   // Sobel x
public enum KernelString {
    public static func parse(_ text: String) throws(GeometryError) -> [Kernel2D] {
        let parts = text.split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
        guard !parts.isEmpty else {
            throw GeometryError("kernel string is empty", hint: "e.g. --kernel \"3x3: 0,-1,0 -1,4,-1 0,-1,0\"")
        }
        var kernels: [Kernel2D] = []
        for part in parts { kernels.append(try parseOne(part, whole: text)) }
        return kernels
    }

    private static func parseOne(_ text: String, whole: String) throws(GeometryError) -> Kernel2D {
        func fail(_ m: String) -> GeometryError {
            GeometryError("kernel '\(whole)': \(m)",
                          hint: "write WxH[+X+Y]: v,v,... (row by row) or an odd square list of values")
        }
        var size: (w: Int, h: Int)?
        var origin: (x: Int, y: Int)?
        var body = Substring(text)
        if let colon = text.firstIndex(of: ":") {
            let head = text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            body = text[text.index(after: colon)...]
            var dims = Substring(head)
            if let plus = head.firstIndex(where: { $0 == "+" || $0 == "-" }) {
                let o = head[plus...]
                dims = head[..<plus]
                let numbers = o.split(whereSeparator: { $0 == "+" }).map { Int($0) }
                guard numbers.count == 2, let x = numbers[0], let y = numbers[1] else {
                    throw fail("origin '\(o)' is not +X+Y")
                }
                origin = (x, y)
            }
            let wh = dims.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            switch wh.count {
            case 1:
                guard let w = wh[0], w >= 1 else { throw fail("size '\(dims)' is not W or WxH") }
                size = (w, w)
            case 2:
                guard let w = wh[0], let h = wh[1], w >= 1, h >= 1 else { throw fail("size '\(dims)' is not WxH") }
                size = (w, h)
            default:
                throw fail("size '\(dims)' is not W or WxH")
            }
        }
        var values: [Float] = []
        for token in body.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\n" }) {
            let t = token.lowercased()
            if t == "nan" || t == "-" {
                values.append(0)
            } else if let v = Float(t), v.isFinite {
                values.append(v)
            } else {
                throw fail("'\(token)' is not a number")
            }
        }
        let (w, h): (Int, Int)
        if let size {
            (w, h) = size
            // Checked: "8888888888888888:" overflowed w * h and trapped (found by FuzzKernelString).
            let (cells, overflow) = w.multipliedReportingOverflow(by: h)
            guard !overflow, values.count == cells else {
                throw fail("a \(w)x\(h) kernel needs \(overflow ? "\(w) x \(h)" : String(cells)) values, got \(values.count)")
            }
        } else {
            let n = Int(Double(values.count).squareRoot().rounded())
            guard n * n == values.count, n % 2 == 1 else {
                throw fail("\(values.count) values are not an odd square (1, 9, 25, ...)")
            }
            (w, h) = (n, n)
        }
        let (ox, oy) = origin ?? ((w - 1) / 2, (h - 1) / 2)
        guard ox >= 0, ox < w, oy >= 0, oy < h else { throw fail("origin +\(ox)+\(oy) lies outside the \(w)x\(h) kernel") }
        let (left, right) = zeroTaps(size: w, origin: ox)
        let (top, bottom) = zeroTaps(size: h, origin: oy)
        let nw = left + w + right, nh = top + h + bottom
        var grid = [Float](repeating: 0, count: nw * nh)
        for y in 0..<h {
            for x in 0..<w { grid[(y + top) * nw + x + left] = values[y * w + x] }
        }
        return try Kernel2D(size: Size2(nh, nw), values: grid)
    }

    /// Zero taps to add before and after a kernel of `size` so that tap
    /// `origin` becomes the anchor PyTorch uses, `(size' - 1) / 2`.
    static func zeroTaps(size: Int, origin: Int) -> (before: Int, after: Int) {
        var total = size
        while true {
            for before in 0...(total - size) where before + origin == (total - 1) / 2 {
                return (before, total - size - before)
            }
            total += 1
        }
    }
}
