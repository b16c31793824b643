// `Authorization: Bearer <key>` checking for r1 serve's --api_key. The comparison takes the same time
// wherever the first difference is (and for every wrong length), so response timing tells a caller
// nothing about the key.
#pragma once
#include <string>
#include <string_view>

namespace r1::serve {

// Equal strings, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// The header's value (empty when absent) carries the key: "Bearer <key>" (scheme case-insensitive).
bool bearer_matches(std::string_view authorization, std::string_view key);

}  // namespace r1::serve
