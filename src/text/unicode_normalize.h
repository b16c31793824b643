// Canonical Unicode normalization (NFC, NFD) on UTF-8 strings, as Hugging Face's NFC/NFD
// normalizers (Rust unicode-normalization) do. Tables: unicode_data.h (Unicode 14 data).
#pragma once
#include <string>
#include <string_view>

namespace r1::text {

std::string nfc(std::string_view s);
std::string nfd(std::string_view s);
// True when nfc(s) == s is guaranteed without computing it (fast path: ASCII, CJK, ...).
bool is_nfc_quick(std::string_view s);

}  // namespace r1::text
