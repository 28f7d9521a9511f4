/// Network layers at batch 1 (ResNet, MobileNetV2, EfficientNet, ConvNeXt, DeepLab, YOLO stems), run by
/// name as `bench --workload L01` ...: the kernel paths for small maps, strides, few pixels and depthwise.
extension Workload {
    public static let layers: [Workload] = [
        layer("L01", "resnet-512c7", c: 512, hw: 7, out: 512, k: 3),
        layer("L02", "resnet-256c14", c: 256, hw: 14, out: 256, k: 3),
        layer("L03", "resnet-128c28", c: 128, hw: 28, out: 128, k: 3),
        layer("L04", "down-64-128", c: 64, hw: 56, out: 128, k: 3, stride: 2),
        layer("L05", "down-128-256", c: 128, hw: 28, out: 256, k: 3, stride: 2),
        layer("L06", "down-256-512", c: 256, hw: 14, out: 512, k: 3, stride: 2),
        layer("L07", "proj-256-512-s2", c: 256, hw: 28, out: 512, k: 1, stride: 2),
        layer("L08", "proj-128-256-s2", c: 128, hw: 28, out: 256, k: 1, stride: 2),
        layer("L09", "pw-2048-512c7", c: 2048, hw: 7, out: 512, k: 1),
        layer("L10", "pw-512-2048c7", c: 512, hw: 7, out: 2048, k: 1),
        layer("L11", "pw-1024-256c14", c: 1024, hw: 14, out: 256, k: 1),
        layer("L12", "dw3-32c112", c: 32, hw: 112, out: 32, k: 3, groups: 32),
        layer("L13", "dw3s2-96c112", c: 96, hw: 112, out: 96, k: 3, stride: 2, groups: 96),
        layer("L14", "dw3-144c56", c: 144, hw: 56, out: 144, k: 3, groups: 144),
        layer("L15", "dw3s2-144c56", c: 144, hw: 56, out: 144, k: 3, stride: 2, groups: 144),
        layer("L16", "dw3-960c7", c: 960, hw: 7, out: 960, k: 3, groups: 960),
        layer("L17", "dw5-240c28", c: 240, hw: 28, out: 240, k: 5, groups: 240),
        layer("L18", "dw5s2-144c56", c: 144, hw: 56, out: 144, k: 5, stride: 2, groups: 144),
        layer("L19", "dw7-384c14", c: 384, hw: 14, out: 384, k: 7, groups: 384),
        layer("L20", "dilated-256c33", c: 256, hw: 33, out: 256, k: 3, dilation: 2),
        layer("L21", "stem7s2-224", c: 3, hw: 224, out: 64, k: 7, stride: 2),
        layer("L22", "stem6s2-640", c: 3, hw: 640, out: 32, k: 6, stride: 2, pad: 2),
        layer("L23", "vgg-64c224", c: 64, hw: 224, out: 64, k: 3),
        layer("L24", "unet-128c128", c: 128, hw: 128, out: 128, k: 3),
    ]

    /// A random layer with PyTorch's usual padding (`pad`, default `dilation * (k - 1) / 2`).
    private static func layer(_ name: String, _ title: String, c: Int, hw: Int, out: Int, k: Int, stride: Int = 1,
                              groups: Int = 1, dilation: Int = 1, pad: Int? = nil) -> Workload {
        var rng = SplitMix64(seed: 0)
        let cin = c / groups
        // Uniform in [-0.1, 0.1): 13 M normals (Box-Muller) took most of a second at every `bench` start.
        let values = (0..<(out * cin * k * k)).map { _ in rng.nextUniform() * 0.2 - 0.1 }
        let w = try? ConvWeights(outChannels: out, inChannelsPerGroup: cin, kernel: Size2(square: k), values: values)
        var conv = Convolution(filters: w.map { .weights($0, groups: groups) } ?? .perChannel([]))
        conv.stride = Size2(square: stride)
        conv.dilation = Size2(square: dilation)
        let p = pad ?? dilation * (k - 1) / 2
        conv.padding = .explicit(top: p, bottom: p, left: p, right: p)
        conv.bias = (0..<out).map { _ in rng.nextUniform() - 0.5 }
        return Workload(name: name, title: title, batch: 1, input: Shape(channels: c, height: hw, width: hw), convolution: conv)
    }
}
