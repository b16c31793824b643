// Small string helpers shared by the task families.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace r1::tasks {

std::string_view trim(std::string_view s);
// A whole string of optional '-' and 1..18 digits; anything else is nullopt.
std::optional<long long> parse_integer(std::string_view s);

}  // namespace r1::tasks
