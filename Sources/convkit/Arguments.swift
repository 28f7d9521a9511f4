import ArgumentParser
import ConvKit
import ConvKitIO

extension ColorMode: ExpressibleByArgument {}
extension PadMode: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
}
extension Activation: ExpressibleByArgument {}
extension PixelMap: ExpressibleByArgument {}
extension Layout: ExpressibleByArgument {}

extension Padding: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
}

extension Size2: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument, name: "value") }
}
extension TIFFCompression: ExpressibleByArgument {}
