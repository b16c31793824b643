// \boxed{...} / \fbox{...} contents, as HF Math-Verify's normalization reads them
// (latex2sympy2_extended math_normalization.extract_boxed_content).
#pragma once
#include <string>
#include <string_view>

namespace r1::rewards::math {

// The boxes searched from the right. With `join_adjacent` (Math-Verify's boxed="last" mode),
// earlier boxes are joined with "," while they are close (< 10 characters apart) or, when they
// differ from the one after them, separated by ",", ";", "and" or "or" within 70 characters
// ("\boxed{1} and \boxed{2}" -> "1,2"); without it only the last box. An unclosed last box is the
// rest of the text from its "{" (a cut answer, which then does not parse). "" when there is no box.
std::string last_boxed(std::string_view text, bool join_adjacent = false);

// Every box's content, left to right, consecutive repeats once, joined with "," (Math-Verify's
// boxed="all"); `text` unchanged when it has no box.
std::string all_boxed(std::string_view text);

}  // namespace r1::rewards::math
