import ConvKit
import Testing
import _ConvKitTestSupport

/// The numbers of the seed article's Keras model: a 28x28x1 input and 32 3x3 filters.
@Suite("Geometry: the seed article's Keras numbers")
struct KerasGeometryTests {
    static let mnist = Shape(channels: 1, height: 28, width: 28)

    static func geometry(kernel: Int = 3, stride: Int = 1, padding: Padding) throws -> ConvGeometry {
        try ConvGeometry(input: mnist, outChannels: 32, kernel: Size2(square: kernel),
                         stride: Size2(square: stride), padding: padding)
    }

    @Test("Valid 3x3 on 28x28x1 with 32 filters gives 26x26x32")
    func validOutput() throws {
        let g = try Self.geometry(padding: .valid)
        #expect(g.output == Shape(channels: 32, height: 26, width: 26))
        #expect(g.pads == (0, 0, 0, 0))
    }

    @Test("Valid 3x3 at stride 2 gives 13x13x32")
    func stride2Output() throws {
        let g = try Self.geometry(stride: 2, padding: .valid)
        #expect(g.output == Shape(channels: 32, height: 13, width: 13))
        #expect(g.macs == 32 * 13 * 13 * 9)
    }

    @Test("Same 3x3 keeps 28x28 and pads one on every side")
    func sameOutput() throws {
        let g = try Self.geometry(padding: .same)
        #expect(g.output == Shape(channels: 32, height: 28, width: 28))
        #expect(g.pads == (1, 1, 1, 1))
    }

    @Test("A 1x1 kernel keeps 28x28 and gives 32 channels")
    func pointwiseOutput() throws {
        let g = try Self.geometry(kernel: 1, padding: .valid)
        #expect(g.output == Shape(channels: 32, height: 28, width: 28))
        #expect(g.parameters(bias: true) == 32 + 32)
    }

    @Test("3x3x1x32 weights plus 32 biases are 320 parameters")
    func parameters() throws {
        let g = try Self.geometry(padding: .valid)
        #expect(g.parameters(bias: true) == 320)
        #expect(g.parameters(bias: false) == 288)
    }

    @Test("MACs are Cout*Hout*Wout*(Cin/groups)*kh*kw and FLOPs twice that")
    func macs() throws {
        let g = try Self.geometry(padding: .valid)
        #expect(g.macs == 32 * 26 * 26 * 1 * 9)
        #expect(g.macs == 194_688)
        #expect(g.flops == 389_376)
        let grouped = try ConvGeometry(input: Shape(channels: 4, height: 10, width: 10), outChannels: 8,
                                       kernel: Size2(3, 3), padding: .same, groups: 2)
        #expect(grouped.macs == 8 * 10 * 10 * 2 * 9)
        #expect(grouped.outputBytes == 8 * 10 * 10 * 4)
    }

    @Test("Density is output activations per input activation")
    func density() throws {
        let g = try Self.geometry(padding: .valid)
        #expect(g.density == Double(32 * 26 * 26) / Double(28 * 28))
    }

    @Test("TF same at stride 2 on an even input pads 0 before and 1 after")
    func sameStride2Asymmetric() throws {
        let g = try Self.geometry(stride: 2, padding: .same)
        #expect(g.output == Shape(channels: 32, height: 14, width: 14))
        #expect(g.pads == (0, 1, 0, 1))
    }

    @Test("TF same at stride 2 on an odd input pads 1 on each side")
    func sameStride2Odd() throws {
        let g = try ConvGeometry(input: Shape(channels: 1, height: 27, width: 27), outChannels: 1,
                                 kernel: Size2(square: 3), stride: Size2(square: 2), padding: .same)
        #expect(g.output.height == 14)
        #expect(g.pads == (1, 1, 1, 1))
    }

    @Test("TF same never pads when the stride exceeds the kernel's reach")
    func sameStrideLargerThanKernel() throws {
        let a = try AxisGeometry(input: 10, kernel: 1, stride: 3, dilation: 1, padding: .same)
        #expect((a.padBefore, a.padAfter, a.output) == (0, 0, 4))
        // An even kernel at stride 1 puts the extra pad after, as TensorFlow does.
        let even = try AxisGeometry(input: 8, kernel: 4, stride: 1, dilation: 1, padding: .same)
        #expect((even.padBefore, even.padAfter, even.output) == (1, 2, 8))
    }

    @Test("Full padding adds d*(k-1) on every side")
    func fullPadding() throws {
        let g = try Self.geometry(padding: .full)
        #expect(g.pads == (2, 2, 2, 2))
        #expect(g.output == Shape(channels: 32, height: 30, width: 30))
        let dilated = try AxisGeometry(input: 5, kernel: 3, stride: 1, dilation: 3, padding: .full)
        #expect((dilated.padBefore, dilated.padAfter, dilated.output) == (6, 6, 11))
    }

    @Test("Stride 2 leaves the last row unread")
    func stride2LeavesLastRowUnread() throws {
        let g = try Self.geometry(stride: 2, padding: .valid)
        #expect(g.rows.unread == [27])
        #expect(g.cols.unread == [27])
    }

    @Test("Stride 1 and TF same read every row")
    func everyRowRead() throws {
        #expect(try Self.geometry(padding: .valid).rows.unread.isEmpty)
        #expect(try Self.geometry(stride: 2, padding: .same).rows.unread.isEmpty)
    }

    @Test("Dilation wider than the stride leaves gaps unread")
    func dilationGaps() throws {
        // Taps at o*3 + {0, 4}: with 8 inputs, outputs 0 and 1 read 0, 4, 3, 7.
        let a = try AxisGeometry(input: 8, kernel: 2, stride: 3, dilation: 4, padding: .valid)
        #expect(a.output == 2)
        #expect(a.unread == [1, 2, 5, 6])
    }

    @Test("Interior outputs are those whose window needs no padding")
    func interior() throws {
        let g = try Self.geometry(padding: .same)
        #expect(g.rows.interior == 1..<27)
        let valid = try Self.geometry(padding: .valid)
        #expect(valid.rows.interior == 0..<26)
        let tiny = try AxisGeometry(input: 2, kernel: 5, stride: 1, dilation: 1, padding: .same)
        #expect(tiny.interior.isEmpty)
    }

    @Test("Two 3x3 stride-1 stages see 5x5 inputs")
    func receptiveFieldTwoStages() throws {
        let g = try Self.geometry(padding: .same)
        let field = ReceptiveField.identity.then(g).then(g)
        #expect(field.size == Size2(square: 5))
        #expect(field.jump == Size2(square: 1))
    }

    @Test("Jumps multiply the strides and scale later kernels")
    func receptiveFieldJumps() throws {
        let s2 = try ConvGeometry(input: Self.mnist, outChannels: 1, kernel: Size2(square: 3),
                                  stride: Size2(2, 3), padding: .valid)
        let s1 = try ConvGeometry(input: Shape(channels: 1, height: 13, width: 9), outChannels: 1,
                                  kernel: Size2(square: 3), padding: .valid)
        let field = ReceptiveField.identity.then(s2).then(s1)
        #expect(field.jump == Size2(2, 3))
        // 1 + 2*1 = 3, then 3 + 2*jump.
        #expect(field.size == Size2(3 + 2 * 2, 3 + 2 * 3))
        let dilated = try ConvGeometry(input: Self.mnist, outChannels: 1, kernel: Size2(square: 3),
                                       dilation: Size2(square: 2), padding: .valid)
        #expect(ReceptiveField.identity.then(dilated).size == Size2(square: 5))
    }
}

@Suite("Parsing padding, pad modes and sizes")
struct ParsingTests {
    @Test("Padding accepts valid, same, full, N, PH,PW and T,B,L,R", arguments: [
        ("valid", Padding.valid), ("SAME", .same), ("Full", .full),
        ("3", .explicit(top: 3, bottom: 3, left: 3, right: 3)),
        ("0", .explicit(top: 0, bottom: 0, left: 0, right: 0)),
        ("2,1", .explicit(top: 2, bottom: 2, left: 1, right: 1)),
        ("1, 2", .explicit(top: 1, bottom: 1, left: 2, right: 2)),
        ("1,2,0,3", .explicit(top: 1, bottom: 2, left: 0, right: 3)),
    ])
    func paddingAccepts(_ text: String, _ expected: Padding) throws {
        #expect(try Padding(parsing: text) == expected)
    }

    @Test("Padding rejects negatives, three numbers and words", arguments: [
        "", "-1", "1,-2", "1,2,3", "1,2,3,4,5", "1,,2", "x", "samee", "1.5",
    ])
    func paddingRejects(_ text: String) {
        let error = #expect(throws: GeometryError.self) { try Padding(parsing: text) }
        #expect(error?.message.contains("'\(text)'") ?? false || error?.message.contains("numbers") ?? false)
    }

    @Test("Padding prints back as it parses")
    func paddingRoundTrip() throws {
        for text in ["valid", "same", "full", "1,2,0,3"] {
            #expect(try Padding(parsing: text).description == text)
        }
    }

    @Test("Pad modes accept their names and the synonyms every library agrees on", arguments: [
        ("zeros", PadMode.zeros), ("zero", .zeros), ("constant", .zeros), ("reflect", .reflect),
        ("Reflect", .reflect), ("symmetric", .symmetric), ("replicate", .replicate), ("edge", .replicate),
        ("circular", .circular), ("wrap", .circular),
    ])
    func padModeAccepts(_ text: String, _ expected: PadMode) throws {
        #expect(try PadMode(parsing: text) == expected)
    }

    // SciPy's "reflect" is NumPy's "symmetric" and SciPy's "mirror" is NumPy's
    // "reflect"; "mirror" and "nearest" mean different things in different libraries.
    @Test("Pad modes reject unknown and ambiguous names", arguments: ["", "mirror", "nearest", "reflect101", "same"])
    func padModeRejects(_ text: String) {
        let error = #expect(throws: GeometryError.self) { try PadMode(parsing: text) }
        #expect(error?.message.contains("'\(text)'") == true)
    }

    @Test("Size2 parses N and H,W")
    func size2Accepts() throws {
        #expect(try Size2(parsing: "2", name: "stride") == Size2(2, 2))
        #expect(try Size2(parsing: "2,1", name: "stride") == Size2(2, 1))
        #expect(try Size2(parsing: "0", name: "pad", minimum: 0) == Size2(0, 0))
        #expect(Size2(3, 3).description == "3")
        #expect(Size2(2, 1).description == "2,1")
    }

    @Test("Size2 rejects values below the minimum and names the option", arguments: ["0", "1,0", "1,2,3", "", "a", "-1"])
    func size2Rejects(_ text: String) {
        let error = #expect(throws: GeometryError.self) { try Size2(parsing: text, name: "dilation") }
        #expect(error?.message.contains("dilation '\(text)'") == true)
    }
}

/// `numpy.pad(np.arange(n), (before, after), mode)` computed with NumPy 2.4.
@Suite("Pad modes repeat as numpy.pad does")
struct PadModeTests {
    struct NumpyPad: Sendable, CustomTestStringConvertible {
        var mode: PadMode
        var n: Int
        var before: Int
        var expected: [Int]
        var testDescription: String { "\(mode) n=\(n) before=\(before)" }
    }

    static let cases: [NumpyPad] = [
        // np.pad(np.arange(4), (9, 9), mode=...)
        NumpyPad(mode: .reflect, n: 4, before: 9,
                 expected: [3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0]),
        NumpyPad(mode: .symmetric, n: 4, before: 9,
                 expected: [0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1, 2, 3, 3]),
        NumpyPad(mode: .replicate, n: 4, before: 9,
                 expected: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]),
        NumpyPad(mode: .circular, n: 4, before: 9,
                 expected: [3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0]),
        // np.pad(np.arange(3), (7, 7), mode="symmetric")
        NumpyPad(mode: .symmetric, n: 3, before: 7,
                 expected: [0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2]),
        // np.pad(np.arange(3), (8, 5), mode="wrap")
        NumpyPad(mode: .circular, n: 3, before: 8,
                 expected: [1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1]),
        // np.pad(np.arange(3), (6, 6), mode="reflect")
        NumpyPad(mode: .reflect, n: 3, before: 6, expected: [2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0]),
        // np.pad(np.arange(2), (5, 4), mode="reflect") and "symmetric"
        NumpyPad(mode: .reflect, n: 2, before: 5, expected: [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]),
        NumpyPad(mode: .symmetric, n: 2, before: 5, expected: [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1]),
        // One sample: every mode repeats it (np.pad(np.arange(1), (3, 3), ...)).
        NumpyPad(mode: .reflect, n: 1, before: 3, expected: [0, 0, 0, 0, 0, 0, 0]),
        NumpyPad(mode: .symmetric, n: 1, before: 3, expected: [0, 0, 0, 0, 0, 0, 0]),
        NumpyPad(mode: .circular, n: 1, before: 3, expected: [0, 0, 0, 0, 0, 0]),
    ]

    @Test("PadMode.sourceIndex reproduces numpy.pad", arguments: cases)
    func sourceIndexMatchesNumpy(_ c: NumpyPad) {
        let got = c.expected.indices.map { c.mode.sourceIndex($0 - c.before, count: c.n) }
        #expect(got == c.expected.map { Optional($0) })
    }

    @Test("The reference's pad index reproduces numpy.pad", arguments: cases)
    func referenceMatchesNumpy(_ c: NumpyPad) {
        let got = c.expected.indices.map { referencePadIndex($0 - c.before, count: c.n, mode: c.mode) }
        #expect(got == c.expected.map { Optional($0) })
    }

    @Test("Zeros padding reads the constant outside the input")
    func zerosReadsConstant() {
        #expect(PadMode.zeros.sourceIndex(-1, count: 4) == nil)
        #expect(PadMode.zeros.sourceIndex(4, count: 4) == nil)
        #expect(PadMode.zeros.sourceIndex(3, count: 4) == 3)
    }

    @Test("PadMode.sourceIndex agrees with the reference far beyond the input", arguments: PadMode.allCases)
    func agreesWithReference(_ mode: PadMode) {
        for n in 1...6 {
            for i in -40...40 {
                #expect(mode.sourceIndex(i, count: n) == referencePadIndex(i, count: n, mode: mode), "n \(n), i \(i)")
            }
        }
    }
}

/// User errors: each message states the numbers involved.
@Suite("Geometry errors")
struct GeometryErrorTests {
    @Test("An output smaller than one row fails and shows the size formula")
    func emptyOutput() {
        let error = #expect(throws: GeometryError.self) {
            try AxisGeometry(input: 2, kernel: 5, stride: 1, dilation: 1, padding: .valid)
        }
        #expect(error?.message.contains("floor((2 + 0 + 0 - 1*(5-1) - 1) / 1) + 1 < 1") == true)
    }

    @Test("Dilation that overreaches the padded input fails on the columns")
    func dilatedColumns() {
        let error = #expect(throws: GeometryError.self) {
            try ConvGeometry(input: Shape(channels: 1, height: 9, width: 4), outChannels: 1, kernel: Size2(1, 3),
                             dilation: Size2(1, 2), padding: .explicit(top: 0, bottom: 0, left: 0, right: 0))
        }
        #expect(error?.message.contains("columns") == true)
        #expect(error?.message.contains("floor((4 + 0 + 0 - 2*(3-1) - 1) / 1) + 1 < 1") == true)
    }

    @Test("Stride and dilation below one fail", arguments: [(0, 1), (1, 0), (-1, 1)])
    func nonPositiveStepFails(_ stride: Int, _ dilation: Int) {
        #expect(throws: GeometryError.self) {
            try AxisGeometry(input: 5, kernel: 3, stride: stride, dilation: dilation, padding: .valid)
        }
    }

    @Test("Negative explicit padding fails")
    func negativePad() {
        #expect(throws: GeometryError.self) {
            try AxisGeometry(input: 5, kernel: 3, stride: 1, dilation: 1, padding: .explicit(before: -1, after: 0))
        }
    }

    @Test("Groups that do not divide the channels fail and name both counts")
    func groupsMustDivide() {
        let error = #expect(throws: GeometryError.self) {
            try ConvGeometry(input: Shape(channels: 3, height: 5, width: 5), outChannels: 4,
                             kernel: Size2(square: 3), padding: .valid, groups: 2)
        }
        #expect(error?.message.contains("groups 2") == true)
        #expect(error?.message.contains("(3)") == true && error?.message.contains("(4)") == true)
    }

    @Test("Weights whose Cin/groups does not fit the input fail with the shapes")
    func weightsMismatch() throws {
        let w = try ConvWeights(outChannels: 2, inChannelsPerGroup: 2, kernel: Size2(square: 1), values: [1, 2, 3, 4])
        let conv = Convolution(weights: w, groups: 1)
        let error = #expect(throws: GeometryError.self) {
            try conv.run(Tensor(zeros: Shape(channels: 3, height: 2, width: 2)), threads: 1)
        }
        #expect(error?.message.contains("(2, 2, 1, 1)") == true)
        #expect(error?.message.contains("has 3") == true)
    }

    @Test("A bias of the wrong length fails")
    func biasLength() throws {
        var conv = Convolution(kernels: [try Kernel2D(rows: [[1]])])
        conv.bias = [0, 0]
        let error = #expect(throws: GeometryError.self) {
            try conv.run(Tensor(zeros: Shape(channels: 3, height: 2, width: 2)), threads: 1)
        }
        #expect(error?.message.contains("2 values") == true && error?.message.contains("3 output") == true)
    }
}
