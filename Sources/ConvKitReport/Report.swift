// Report rendering: see issue 6.
import CFreeType
