// Batch processing: see issue 7.
import ConvKit
