// LaTeX normalization before parsing: the rewrites that make two spellings of one answer the same
// text (\dfrac -> \frac, \left( -> (, units and \text{...} suffixes dropped, "{,}" thousands
// separators, "and" -> ",", percent words -> \%, degrees, trailing periods, ...).
#pragma once
#include <string>
#include <string_view>

namespace r1::rewards::math {

struct NormalizeOptions {
  bool units = true;  // drop trailing unit words / \text{...} units ("5 \text{ cm}^2" -> "5")
};

std::string normalize_latex(std::string_view latex, const NormalizeOptions& opt = {});

}  // namespace r1::rewards::math
