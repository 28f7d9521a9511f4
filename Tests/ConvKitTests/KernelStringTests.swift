import ConvKit
import Testing

@Suite("ImageMagick kernel strings")
struct KernelStringTests {
    @Test("WxH: values row by row, commas or spaces")
    func sized() throws {
        let k = try #require(try KernelString.parse("3x3: -1,0,1 -2,0,2 -1,0,1").first)
        #expect(k.size == Size2(3, 3))
        #expect(k.values == [-1, 0, 1, -2, 0, 2, -1, 0, 1])
        let r = try #require(try KernelString.parse("3x1: 1 2 3").first)
        #expect(r.size == Size2(1, 3))
    }

    @Test("A legacy odd-square list is a square kernel")
    func legacy() throws {
        let k = try #require(try KernelString.parse("1,2,1,2,4,2,1,2,1").first)
        #expect(k.size == Size2(3, 3))
        #expect(k.values[4] == 4)
    }

    @Test("Semicolons separate the kernels of a bank")
    func bank() throws {
        let ks = try KernelString.parse("3x3: 1,1,1 1,1,1 1,1,1; 3x3: 0,0,0 0,1,0 0,0,0")
        #expect(ks.count == 2)
        #expect(ks[1].values == [0, 0, 0, 0, 1, 0, 0, 0, 0])
    }

    @Test("nan and - cells are zero weights")
    func nanCells() throws {
        let k = try #require(try KernelString.parse("3: -,1,- 1,1,1 nan,1,nan").first)
        #expect(k.values == [0, 1, 0, 1, 1, 1, 0, 1, 0])
    }

    @Test("An origin off the centre is honoured by zero taps, so the anchored tap lands on the output pixel")
    func origin() throws {
        // 2x1 kernel with origin +0+0: out[x] = 1*in[x] + 2*in[x+1] (ImageMagick's anchor at the first tap).
        let k = try #require(try KernelString.parse("2x1+0+0: 1,2").first)
        var conv = Convolution(kernels: [k])
        conv.padding = .same
        let input = Tensor(shape: Shape(channels: 1, height: 1, width: 4), data: [1, 10, 100, 1000])
        let out = try conv.run(input)
        #expect(out.data == [21, 210, 2100, 1000])
        // The default origin of an even kernel is (W-1)/2 = 0 as well: the same result.
        let d = try #require(try KernelString.parse("2x1: 1,2").first)
        #expect(d == k)
        // Origin at the last tap: out[x] = 1*in[x-1] + 2*in[x].
        let last = try #require(try KernelString.parse("2x1+1+0: 1,2").first)
        conv = Convolution(kernels: [last])
        conv.padding = .same
        #expect(try conv.run(input).data == [2, 21, 210, 2100])
    }

    @Test("Malformed strings name what is wrong", arguments: [
        ("3x3: 1,2", "a 3x3 kernel needs 9 values, got 2"),
        ("1,2,3,4", "4 values are not an odd square"),
        ("3x3: 1,2,x,4,5,6,7,8,9", "'x' is not a number"),
        ("axb: 1", "is not WxH"),
        ("3x3+5+5: 1,1,1 1,1,1 1,1,1", "origin +5+5 lies outside the 3x3 kernel"),
        ("", "kernel string is empty"),
    ])
    func malformed(text: String, message: String) {
        #expect {
            _ = try KernelString.parse(text)
        } throws: { error in
            (error as? GeometryError)?.message.contains(message) == true
        }
    }
}
