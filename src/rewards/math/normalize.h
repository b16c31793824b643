// LaTeX normalization before parsing: the rewrites that make two spellings of one answer the same
// text (\dfrac -> \frac, \left( -> (, units and \text{...} suffixes dropped, "{,}" thousands
// separators, "and" -> ",", percent words -> \%, degrees, trailing periods, ...).
#pragma once
#include <string>
#include <string_view>

namespace r1::rewards::math {

struct NormalizeOptions {
  bool units = true;  // drop trailing unit words / \text{...} units ("5 \text{ cm}^2" -> "5")
  // Which \boxed{} contents replace the text (Math-Verify's boxed="all" / "last"): every box
  // joined with "," (the default, for environments and bare answers), the last ones joined by
  // their separators (a bare "\boxed{...}" match), or none.
  enum class Boxed { All, Last, None };
  Boxed boxed = Boxed::All;
};

std::string normalize_latex(std::string_view latex, const NormalizeOptions& opt = {});

// The text, once normalized, is one formula: no word of three or more letters outside a command,
// its braces or \text{...} ("\frac34i", "5 apples" after its unit is dropped), so not a
// sentence ("Answer is forty two", "x where x is odd").
bool is_formula(std::string_view latex);

}  // namespace r1::rewards::math
