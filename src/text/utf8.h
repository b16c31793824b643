// UTF-8 helpers shared by the text layer. Invalid input is handled like Rust's from_utf8_lossy:
// each maximal invalid subsequence becomes U+FFFD.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace r1::text::utf8 {

// Decodes the code point at s[i] and advances i; an invalid sequence yields 0xFFFD and advances
// past the bytes that cannot start a valid sequence.
char32_t next(std::string_view s, size_t& i);
void append(std::string& out, char32_t cp);
bool is_valid(std::string_view s);
// Copy of s with invalid sequences replaced by U+FFFD (Rust String::from_utf8_lossy semantics).
std::string lossy(std::string_view s);
// Rust char::is_whitespace (the Unicode White_Space property).
inline bool is_whitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}
// Length in bytes of the sequence starting with lead byte b (1 for invalid leads).
inline size_t seq_len(unsigned char b) {
  return b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
}

}  // namespace r1::text::utf8
