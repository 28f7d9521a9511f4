import ConvKit
import Foundation

/// Convolution weights and biases stored as `.npy` files.
public enum WeightsFile {
    /// The filters in `path`: a 4-D array is PyTorch weights (Cout, Cin/groups, kh, kw)
    /// used with `groups`; a 2-D array (kh, kw) is one kernel and a 3-D array
    /// (K, kh, kw) a bank of K kernels, each applied to every channel.
    public static func filters(path: String, groups: Int = 1) throws(CodecError) -> Convolution.Filters {
        let (shape, values) = try NPY.decodeArray(try contents(of: path), path: path)
        do {
            switch shape.count {
            case 4:
                let w = try ConvWeights(outChannels: shape[0], inChannelsPerGroup: shape[1],
                                        kernel: Size2(shape[2], shape[3]), values: values)
                return .weights(w, groups: groups)
            case 2, 3:
                let (k, kh, kw) = shape.count == 2 ? (1, shape[0], shape[1]) : (shape[0], shape[1], shape[2])
                let n = kh * kw
                var kernels: [Kernel2D] = []
                for i in 0..<k {
                    kernels.append(try Kernel2D(size: Size2(kh, kw), values: Array(values[(i * n)..<((i + 1) * n)])))
                }
                return .perChannel(kernels)
            default:
                throw CodecError(path: path, codec: "NPY", "weights of shape \(shape) have \(shape.count) dimensions",
                                 hint: "give (Cout, Cin/groups, kh, kw), (K, kh, kw) or (kh, kw)")
            }
        } catch let e as GeometryError {
            throw CodecError(path: path, codec: "NPY", e.message, hint: e.hint)
        } catch let e as CodecError {
            throw e
        } catch {
            throw CodecError(path: path, codec: "NPY", "\(error)")
        }
    }

    /// A bias vector: any array, flattened.
    public static func bias(path: String) throws(CodecError) -> [Float] {
        try NPY.decodeArray(try contents(of: path), path: path).values
    }
}

extension WeightsFile {
/// The bytes of the file at `path`, or a CodecError saying why not.
private static func contents(of path: String) throws(CodecError) -> [UInt8] {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        throw CodecError(path: path, "no such file", hint: "check the path")
    }
    guard !isDir.boolValue else { throw CodecError(path: path, "is a directory", hint: "give a file") }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CodecError(path: path, "cannot be read", hint: "check its permissions")
    }
    return [UInt8](data)
}
}
