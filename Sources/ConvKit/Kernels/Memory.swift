#if canImport(Glibc)
import Glibc
#endif

/// Asks the kernel to back the 2 MiB-aligned interior of a large, not yet
/// touched buffer with transparent huge pages.
///
/// A fresh output of 100 MB costs 25,600 page faults at 4 KiB per page; on
/// the VMs convkit is measured on each costs about a microsecond, which was
/// most of W2's time (30 ms of which ~8 ms is the filter). With huge pages it
/// is 50 faults. NumPy's allocator does the same for large arrays. Where THP is
/// `never` (or off Linux) this is a no-op; results never depend on it.
func adviseHugePages(_ buffer: UnsafeMutableBufferPointer<Float>) {
    #if os(Linux)
    let huge = 2 << 20
    let bytes = buffer.count * MemoryLayout<Float>.stride
    guard bytes >= 4 * huge, let base = buffer.baseAddress else { return }
    let start = (UInt(bitPattern: base) + UInt(huge - 1)) & ~UInt(huge - 1)
    let end = (UInt(bitPattern: base) + UInt(bytes)) & ~UInt(huge - 1)
    guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(p, Int(end - start), MADV_HUGEPAGE)
    #endif
}

/// Keeps large tensors' memory in the process after they are freed, so that
/// the next image of a batch (or the next run of a benchmark) reuses pages
/// already mapped instead of faulting in and zeroing fresh ones.
///
/// glibc serves blocks above `M_MMAP_THRESHOLD` (at most 32 MiB by default)
/// with their own mmap and unmaps them on free; every 100 MB output then costs
/// the kernel 100 MB of page zeroing. Raising the mmap and trim thresholds
/// keeps them on the heap. The price is resident memory that is not returned
/// to the system until exit, which suits a command-line tool; a long-running
/// host application may prefer not to call this.
public func retainLargeAllocations() {
    #if canImport(Glibc)
    _ = glibcMallopt(-3, 1 << 30)  // M_MMAP_THRESHOLD
    _ = glibcMallopt(-1, Int32.max)  // M_TRIM_THRESHOLD
    #endif
}

#if canImport(Glibc)
// mallopt is declared in <malloc.h>, which the Glibc module does not export;
// the constants are glibc's ABI (malloc.h: M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
