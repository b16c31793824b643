#include "text/byte_level.h"

#include <array>

#include "text/utf8.h"

namespace r1::text::byte_level {
namespace {

struct Tables {
  std::array<std::string, 256> to_char;
  std::array<int, 0x144> to_byte;  // code points used by the mapping are all < U+0144
  Tables() {
    to_byte.fill(-1);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      const char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      utf8::append(to_char[b], cp);
      to_byte[cp] = b;
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::string& char_for_byte(unsigned char b) { return tables().to_char[b]; }

int byte_for_char(char32_t cp) { return cp < 0x144 ? tables().to_byte[cp] : -1; }

void encode_append(std::string_view raw, std::string& out) {
  const auto& t = tables();
  for (unsigned char b : raw) out += t.to_char[b];
}

std::string encode(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() * 2);
  encode_append(raw, out);
  return out;
}

bool decode_append(std::string_view mapped, std::string& out) {
  for (size_t i = 0; i < mapped.size();) {
    const int b = byte_for_char(utf8::next(mapped, i));
    if (b < 0) return false;
    out.push_back(static_cast<char>(b));
  }
  return true;
}

}  // namespace r1::text::byte_level
