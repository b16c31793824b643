// GPT-2's byte-to-unicode mapping used by byte-level BPE: every byte value gets a printable code
// point (printable Latin-1 bytes map to themselves, the other 68 to U+0100..U+0143), so any byte
// string becomes a string of "visible" characters that a vocab can store as JSON text.
#pragma once
#include <string>
#include <string_view>

namespace r1::text::byte_level {

// UTF-8 of the code point standing for byte b.
const std::string& char_for_byte(unsigned char b);
// The byte a code point stands for, or -1 when cp is not in the mapping.
int byte_for_char(char32_t cp);
// Maps every byte of `raw` to its character.
std::string encode(std::string_view raw);
void encode_append(std::string_view raw, std::string& out);
// Inverse of encode; returns false (leaving out partially written) when a character is unmapped.
bool decode_append(std::string_view mapped, std::string& out);

}  // namespace r1::text::byte_level
