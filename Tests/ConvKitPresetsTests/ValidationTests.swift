import ConvKit
import Testing
@testable import ConvKitPresets

/// One broken preset per validation rule: each error names the file, line,
/// column and key path, and says what was expected.
@Suite("Preset validation errors")
struct ValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var id: String
        var yaml: String
        var file = "test.yaml"
        var expected: String
        var testDescription: String { id }
    }

    static let cases: [Case] = [
        Case(id: "unknown top-level key", yaml: """
            name: test
            stage:
              - conv: {kernel: [[1]]}
            """, expected: "test.yaml:2:1: stage: unknown key (expected one of: name, description, color, output, stages)"),
        Case(id: "unknown conv key", yaml: """
            stages:
              - conv:
                  kernel: [[1]]
                  strides: 2
            """, expected: "test.yaml:4:7: stages[0].conv.strides: unknown key (expected one of: kernel, kernels, weights, gaussian, box, laplacian, random, groups, bias, stride, padding, padding_mode, pad_value, dilation, flip, normalize, scale, activation)"),
        Case(id: "wrong type", yaml: """
            stages:
              - conv:
                  kernel: [[1]]
                  flip: 3
            """, expected: "test.yaml:4:13: stages[0].conv.flip: expected true or false, got 3"),
        Case(id: "ragged matrix", yaml: """
            stages:
              - conv:
                  kernel:
                    - [1, 2, 3]
                    - [4, 5]
            """, expected: "test.yaml:5:11: stages[0].conv.kernel[1]: expected 3 values like stages[0].conv.kernel[0], got 2 (every row needs the same number of values)"),
        Case(id: "empty matrix", yaml: """
            stages:
              - conv:
                  kernel: []
            """, expected: "test.yaml:3:15: stages[0].conv.kernel: expected a non-empty matrix, got an empty list"),
        Case(id: "NaN weight", yaml: """
            stages:
              - conv:
                  kernel: [[1, .nan], [0, 1]]
            """, expected: "test.yaml:3:20: stages[0].conv.kernel[0][1]: expected a finite number, got .nan"),
        Case(id: "infinite weight", yaml: """
            stages:
              - conv:
                  kernels: [[[1, 0], [0, -.inf]]]
            """, expected: "test.yaml:3:30: stages[0].conv.kernels[0][1][1]: expected a finite number, got -.inf"),
        Case(id: "negative stride", yaml: """
            name: edges
            description: blur then edges
            color: gray
            stages:
              - conv:
                  kernel: [[1]]
                  stride: -1
            """, file: "edges.yaml", expected: "edges.yaml:7:15: stages[0].conv.stride: expected a positive integer or \"SH,SW\", got -1"),
        Case(id: "zero stride", yaml: """
            stages:
              - conv: {kernel: [[1]], stride: "2,0"}
            """, expected: "test.yaml:2:35: stages[0].conv.stride: expected a positive integer or \"SH,SW\", got \"2,0\""),
        Case(id: "zero dilation", yaml: """
            stages:
              - conv: {kernel: [[1]], dilation: 0}
            """, expected: "test.yaml:2:37: stages[0].conv.dilation: expected a positive integer or \"SH,SW\", got 0"),
        Case(id: "groups that do not divide the output channels", yaml: """
            stages:
              - conv:
                  weights: [[[[1]]], [[[1]]], [[[1]]]]
                  groups: 2
            """, expected: "test.yaml:4:15: stages[0].conv.groups: expected a divisor of the 3 output channels, got 2"),
        Case(id: "groups that do not divide the input channels", yaml: """
            color: rgb
            stages:
              - conv:
                  weights: [[[[1]], [[1]]], [[[1]], [[1]]]]
                  groups: 2
            """, expected: "test.yaml:5:15: stages[0].conv.groups: weights (2, 2, 1, 1) with groups 2 read 4 channels, this stage gets 3 (groups must divide the input channels: use groups = 3 / 2 if it is whole)"),
        Case(id: "two kernel sources", yaml: """
            stages:
              - conv:
                  kernel: [[1]]
                  box: {size: 3}
            """, expected: "test.yaml:4:7: stages[0].conv.box: a conv stage takes exactly one kernel source, this one also has 'kernel' (split it into two stages)"),
        Case(id: "no kernel source", yaml: """
            stages:
              - conv: {stride: 2}
            """, expected: "test.yaml:2:11: stages[0].conv: missing a kernel source (give one of kernel, kernels, weights, gaussian, box, laplacian, random)"),
        Case(id: "name differs from the file's stem", yaml: """
            name: sobel
            stages:
              - activation: relu
            """, expected: "test.yaml:1:7: name: expected the file's stem \"test\", got sobel (rename the file or the preset)"),
        Case(id: "YAML syntax error", yaml: """
            stages:
              - conv: {kernel: [[1]]
            """, expected: "test.yaml:3:1: YAML syntax: while parsing a flow mapping did not find expected ',' or '}'"),
        Case(id: "unknown stage kind", yaml: """
            stages:
              - blur: {size: 3}
            """, expected: "test.yaml:2:5: stages[0].blur: unknown key (expected one of: conv, pool, activation, magnitude, color, transposed, upsample)"),
        Case(id: "magnitude with nothing to combine", yaml: """
            stages:
              - pool: {type: max, size: 2}
              - magnitude: {}
            """, expected: "test.yaml:3:16: stages[1].magnitude: cannot tell how many maps to combine (put magnitude right after a kernel bank, or give {groups: K})"),
        Case(id: "banks of mixed sizes", yaml: """
            stages:
              - conv:
                  kernels:
                    - [[1, 0], [0, 1]]
                    - "3x3: 0,0,0 0,1,0 0,0,0"
            """, expected: "test.yaml:5:11: stages[0].conv.kernels[1]: expected a 2x2 kernel like stages[0].conv.kernels[0], got \"3x3: 0,0,0 0,1,0 0,0,0\" (every kernel of a bank has one size; got 3x3)"),
        Case(id: "pool type", yaml: """
            stages:
              - pool: {type: min, size: 2}
            """, expected: "test.yaml:2:18: stages[0].pool.type: expected one of max, avg, got min"),
    ]

    @Test("A broken preset names the line, column and key of its problem", arguments: cases)
    func brokenPreset(_ c: Case) throws {
        let error = try #require(throws: PresetError.self) { try preset(c.yaml, file: c.file) }
        #expect(error.description == c.expected)
    }

    @Test("A kernel larger than the padded input fails at plan time, naming the file and stage")
    func kernelLargerThanInput() throws {
        let p = try preset("""
            stages:
              - activation: relu
              - conv:
                  box: {size: 7}
            """, file: "big.yaml")
        let error = try #require(throws: PresetError.self) { try p.plan(for: Shape(channels: 1, height: 5, width: 9)) }
        #expect(error.description == "big.yaml:3:5: stages[1].conv: output would have -1 rows: floor((5 + 0 + 0 - 1*(7-1) - 1) / 1) + 1 < 1 "
            + "(kernel 7 with dilation 1 spans 7 rows, the padded input has 5; use a smaller kernel or dilation, or pad more)")
        // The pipeline itself throws a GeometryError whose subject is the stage's place in its file.
        let geometry = try #require(throws: GeometryError.self) { try p.pipeline().plan(for: Shape(channels: 1, height: 5, width: 9)) }
        #expect(geometry.subject == "big.yaml:3:5")
    }

    @Test("Pooling pads larger than half the window are refused, as in PyTorch")
    func poolPadding() throws {
        let p = try preset("stages:\n  - pool: {type: max, size: 3, padding: 2}\n")
        let error = try #require(throws: PresetError.self) { try p.plan(for: Shape(channels: 1, height: 8, width: 8)) }
        #expect(error.description.hasPrefix("test.yaml:2:5: stages[0].pool: max pooling pads 2,2 rows, more than half the window size 3"))
    }
}
