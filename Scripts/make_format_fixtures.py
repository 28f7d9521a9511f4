#!/usr/bin/env python3
"""Writes Fixtures/formats/: small TIFF and WebP variants, their reference decodes, broken files.

Each good file gets a reference tensor `<file>.npy`: float32 (C, H, W), the samples mapped as convkit maps
them (unsigned x / (2^bits - 1), signed x / (2^(bits-1) - 1), floats as stored, MinIsWhite and palette as
Pillow shows them), orientation applied as Pillow's ImageOps.exif_transpose does. References come from
tifffile (raw samples) or Pillow (1-bit, palette, orientation, WebP, JPEG-in-TIFF). MANIFEST.tsv lists every
file: name, page, tolerance (0 = exact), what it is. Broken files (refused: exit 1, no output) are in
broken.tsv with the words the error must contain. Needs numpy, tifffile, imagecodecs, Pillow.

    python3 Scripts/make_format_fixtures.py        # rewrites Fixtures/formats/
"""
import os
import struct
import sys

import numpy as np
import tifffile
from PIL import Image, ImageOps

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "formats")
rng = np.random.default_rng(19)
H, W = 19, 27  # odd sizes: partial strips and tiles
manifest = []


def unit(a, bits, signed=False):
    """convkit's integer mapping, in the float arithmetic the C shim uses."""
    if signed:
        m = 2.0 ** (bits - 1) - 1
    else:
        m = 2.0 ** bits - 1
    if bits <= 16:
        return a.astype(np.float32) / np.float32(m)
    return (a.astype(np.float64) / m).astype(np.float32)


def chw(a):
    a = np.asarray(a)
    if a.ndim == 2:
        a = a[None]
    else:
        a = a.transpose(2, 0, 1)
    return np.ascontiguousarray(a, dtype=np.float32)


def add(name, ref, what, page=0, tolerance=0.0):
    np.save(os.path.join(OUT, name + (f".page{page}" if page else "") + ".npy"), chw(ref))
    manifest.append((name, page, tolerance, what))


def path(name):
    return os.path.join(OUT, name)


def tiff(name, data, what, ref=None, **kw):
    tifffile.imwrite(path(name), data, **kw)
    add(name, ref if ref is not None else data_ref(data), what)


def data_ref(data):
    if data.dtype.kind == "f":
        return data.astype(np.float32)
    bits = data.dtype.itemsize * 8
    return unit(data, bits, signed=data.dtype.kind == "i")


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    u8g = rng.integers(0, 256, (H, W), dtype=np.uint8)
    u8c = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    u16c = rng.integers(0, 65536, (H, W, 3), dtype=np.uint16)
    u16a = rng.integers(0, 65536, (H, W, 4), dtype=np.uint16)
    u32g = rng.integers(0, 2**32, (H, W), dtype=np.uint32)
    i16g = rng.integers(-32768, 32768, (H, W), dtype=np.int16)
    f32g = (rng.standard_normal((H, W)) * 100).astype(np.float32)
    f32g[0, :4] = [np.inf, -np.inf, 1e-40, -0.0]  # bit patterns a float TIFF keeps
    f64g = rng.standard_normal((H, W)) * 1e3
    f32c = rng.standard_normal((3, H, W)).astype(np.float32)

    tiff("u8_gray_strips.tif", u8g, "8-bit gray, uncompressed, strips of 4 rows", rowsperstrip=4)
    tiff("u8_rgb_lzw.tif", u8c, "8-bit RGB, LZW with horizontal predictor", photometric="rgb",
         compression="lzw", predictor=True)
    tiff("u16_rgb_deflate_tiled.tif", u16c, "16-bit RGB, Deflate, 16x16 tiles", photometric="rgb",
         compression="zlib", tile=(16, 16))
    tiff("u16_rgba_planar_packbits.tif", u16a.transpose(2, 0, 1), "16-bit RGBA (unassociated alpha), planar, PackBits",
         ref=unit(u16a, 16), photometric="rgb", planarconfig="separate", extrasamples=["unassalpha"],
         compression="packbits")
    tiff("u32_gray_deflate.tif", u32g, "32-bit unsigned gray, Deflate", compression="zlib")
    tiff("i16_gray.tif", i16g, "16-bit signed gray, uncompressed")
    tiff("f32_gray_tiled_predictor.tif", f32g, "32-bit float gray, Deflate with the float predictor, 16x16 tiles",
         compression="zlib", predictor=3, tile=(16, 16))
    tiff("f64_gray.tif", f64g, "64-bit float gray, uncompressed (convkit rounds to float32)")
    tiff("f32_3ch_planar.tif", f32c, "32-bit float, 3 samples (MinIsBlack), planar", ref=f32c.transpose(1, 2, 0),
         photometric="minisblack",
         planarconfig="separate")
    tiff("u16_be_zstd.tif", u16c, "16-bit RGB, big-endian (MM), ZSTD", photometric="rgb", byteorder=">",
         compression="zstd")
    tiff("u8_rgb_bigtiff.tif", u8c, "8-bit RGB, BigTIFF", photometric="rgb", bigtiff=True)
    tiff("u8_unknown_tag.tif", u8g, "8-bit gray with a private tag 65000 (libtiff warns: --strict refuses it)",
         extratags=[(65000, "s", 0, "convkit test", True)])
    tiff("u8_gray_extra2.tif", np.dstack([u8g, u8c[..., 0]]), "8-bit gray + 1 unspecified extra sample",
         photometric="minisblack", extrasamples=["unspecified"])

    # Multi-page: three pages of different kinds; page 1 and 2 have their own references.
    with tifffile.TiffWriter(path("multipage.tif")) as t:
        t.write(u8g)
        t.write(u16c, photometric="rgb", compression="zlib")
        t.write(f32g)
    add("multipage.tif", unit(u8g, 8), "3 pages: 8-bit gray, 16-bit RGB, float32 gray")
    add("multipage.tif", unit(u16c, 16), "page 1", page=1)
    add("multipage.tif", f32g, "page 2", page=2)

    # Pillow-written files, decoded by Pillow.
    bits = Image.fromarray((rng.integers(0, 2, (H, W)) * 255).astype(np.uint8)).convert("1")
    bits.save(path("bilevel_packbits.tif"), compression="packbits")
    add("bilevel_packbits.tif", np.asarray(Image.open(path("bilevel_packbits.tif"))).astype(np.float32),
        "1-bit bilevel, PackBits (Pillow)")
    pal = Image.fromarray(u8g).convert("P", palette=Image.ADAPTIVE, colors=16)
    pal.save(path("palette.tif"))
    cmap = tifffile.TiffFile(path("palette.tif")).pages[0].colormap  # (3, 2^bits) uint16
    index = np.asarray(Image.open(path("palette.tif")))
    add("palette.tif", (cmap[:, index].astype(np.float32) / np.float32(65535)).transpose(1, 2, 0),
        "8-bit palette (Pillow); reference = ColorMap / 65535")
    Image.fromarray(u8c).save(path("u8_rgb_jpeg.tif"), compression="jpeg", quality=90)
    add("u8_rgb_jpeg.tif", np.asarray(Image.open(path("u8_rgb_jpeg.tif")).convert("RGB")).astype(np.float32) / 255,
        "8-bit RGB, JPEG-in-TIFF (YCbCr, Pillow); within 3/255 of Pillow", tolerance=3 / 255)
    for o in (3, 6, 8):
        name = f"orientation_{o}.tif"
        Image.fromarray(u8c).save(path(name), tiffinfo={274: o})
        shown = ImageOps.exif_transpose(Image.open(path(name)))
        add(name, np.asarray(shown).astype(np.float32) / np.float32(255),
            f"8-bit RGB with Orientation {o} (Pillow); reference = ImageOps.exif_transpose")

    # WebP (Pillow's libwebp).
    rgba = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
    smooth = (np.indices((H, W)).sum(0)[..., None] * np.array([5, 3, 7]) % 256).astype(np.uint8)
    Image.fromarray(rgba, "RGBA").save(path("lossless_rgba.webp"), lossless=True, exact=True)
    add("lossless_rgba.webp", unit(rgba, 8), "WebP lossless RGBA (exact)")
    Image.fromarray(u8c).save(path("lossless_rgb.webp"), lossless=True)
    add("lossless_rgb.webp", unit(u8c, 8), "WebP lossless RGB")
    for name, img in (("lossy_rgb.webp", Image.fromarray(smooth)),
                      ("lossy_rgba.webp", Image.fromarray(np.dstack([smooth, rgba[..., 3]]), "RGBA"))):
        img.save(path(name), quality=80)
        add(name, np.asarray(Image.open(path(name))).astype(np.float32) / np.float32(255),
            "WebP lossy (Pillow decode); within 3/255", tolerance=3 / 255)

    broken()
    with open(os.path.join(OUT, "MANIFEST.tsv"), "w") as m:
        m.write("file\tpage\ttolerance\twhat\n")
        for name, page, tol, what in manifest:
            m.write(f"{name}\t{page}\t{tol:.6g}\t{what}\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, into {os.path.normpath(OUT)}")


def broken():
    """Files libtiff or libwebp must refuse; broken.tsv: file, words the error contains."""
    rows = []
    base = np.arange(64 * 48, dtype=np.uint16).reshape(48, 64)
    tifffile.imwrite(path("_base.tif"), base, rowsperstrip=8)
    good = bytearray(open(path("_base.tif"), "rb").read())
    os.remove(path("_base.tif"))
    t = tifffile.TiffFile(__import__("io").BytesIO(bytes(good)))
    page = t.pages[0]
    tags = page.tags

    def put(name, data, words):
        open(path(name), "wb").write(bytes(data))
        rows.append((name, words))

    put("broken_truncated.tif", good[: len(good) // 2], "")
    bad = bytearray(good)
    bad[4:8] = struct.pack("<I", len(good) + 4096)
    put("broken_ifd_offset.tif", bad, "")
    bad = bytearray(good)
    for tag, value in (("ImageWidth", 200000), ("ImageLength", 200000)):
        entry = tags[tag].offset
        struct.pack_into("<HHII", bad, entry, tags[tag].code, 4, 1, value)
    put("broken_huge_size.tif", bad, "200000x200000")
    bad = bytearray(good)
    sbc = tags["StripByteCounts"]
    struct.pack_into("<" + ("H" if sbc.dtype == 3 else "I") * sbc.count, bad, sbc.valueoffset, *([3] * sbc.count))
    put("broken_strip_bytecounts.tif", bad, "StripByteCounts")
    tifffile.imwrite(path("_z.tif"), base, rowsperstrip=8, compression="zlib")
    z = bytearray(open(path("_z.tif"), "rb").read())
    os.remove(path("_z.tif"))
    zt = tifffile.TiffFile(__import__("io").BytesIO(bytes(z))).pages[0].tags["StripByteCounts"]
    struct.pack_into("<" + ("H" if zt.dtype == 3 else "I") * zt.count, z, zt.valueoffset, *([9] * zt.count))
    put("broken_deflate_bytecounts.tif", z, "")
    bad = bytearray(good)
    next_ifd = page.offset + 2 + 12 * len(tags)
    struct.pack_into("<I", bad, next_ifd, page.offset)
    put("broken_ifd_loop.tif", bad, "IFD loop")
    webp = open(path("lossless_rgb.webp"), "rb").read()
    put("broken_truncated.webp", webp[: len(webp) // 2], "")
    put("broken_header.webp", webp[:12] + b"VP8X" + b"\xff" * 30, "")
    with open(os.path.join(OUT, "broken.tsv"), "w") as b:
        b.write("file\terror_contains\n")
        for name, words in rows:
            b.write(f"{name}\t{words}\n")


if __name__ == "__main__":
    sys.exit(main())
