// Preset files: see issue 5.
import ConvKit
