#include "text/unicode_normalize.h"

#include <algorithm>
#include <vector>

#include "text/unicode_data.h"
#include "text/utf8.h"

namespace r1::text {
namespace {

using namespace unicode;

// Hangul syllable arithmetic (Unicode §3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
                   kSCount = kLCount * kNCount;

uint32_t combining_class(char32_t cp) {
  if (cp < 0x300) return 0;
  const auto* end = kCombiningClass + kCombiningClass_size;
  const auto* it = std::lower_bound(kCombiningClass, end, cp,
                                    [](const CombiningClass& c, char32_t v) { return c.cp < v; });
  return it != end && it->cp == cp ? it->ccc : 0;
}

bool is_sensitive(char32_t cp) {
  if (cp < 0x300) return false;
  const auto* end = kNfcSensitive + kNfcSensitive_size;
  const auto* it = std::lower_bound(kNfcSensitive, end, cp,
                                    [](const Range& r, char32_t v) { return r.hi < v; });
  return it != end && it->lo <= cp;
}

void decompose(char32_t cp, std::vector<char32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount) out.push_back(kTBase + s % kTCount);
    return;
  }
  if (cp >= 0xC0) {
    const auto* end = kDecomposition + kDecomposition_size;
    const auto* it = std::lower_bound(kDecomposition, end, cp,
                                      [](const Decomposition& d, char32_t v) { return d.cp < v; });
    if (it != end && it->cp == cp) {
      decompose(it->first, out);
      if (it->second) decompose(it->second, out);
      return;
    }
  }
  out.push_back(cp);
}

char32_t compose_pair(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount)
    return a + (b - kTBase);
  const auto* end = kComposition + kComposition_size;
  const auto* it = std::lower_bound(kComposition, end, std::make_pair(a, b),
                                    [](const Composition& c, std::pair<char32_t, char32_t> v) {
                                      return c.first != v.first ? c.first < v.first
                                                                : c.second < v.second;
                                    });
  return it != end && it->first == a && it->second == b ? it->composite : 0;
}

// Full canonical decomposition followed by the canonical ordering algorithm. [N code points]
std::vector<char32_t> canonical_decomposition(std::string_view s) {
  std::vector<char32_t> cps;
  cps.reserve(s.size());
  for (size_t i = 0; i < s.size();) decompose(utf8::next(s, i), cps);
  // Stable sort each run of non-starters by combining class.
  for (size_t i = 0; i < cps.size();) {
    if (combining_class(cps[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cps.size() && combining_class(cps[j]) != 0) ++j;
    std::stable_sort(cps.begin() + i, cps.begin() + j, [](char32_t x, char32_t y) {
      return combining_class(x) < combining_class(y);
    });
    i = j;
  }
  return cps;
}

std::string to_utf8(const std::vector<char32_t>& cps) {
  std::string out;
  out.reserve(cps.size() * 2);
  for (char32_t c : cps) utf8::append(out, c);
  return out;
}

}  // namespace

bool is_nfc_quick(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    if (is_sensitive(utf8::next(s, i))) return false;
  }
  return true;
}

std::string nfd(std::string_view s) { return to_utf8(canonical_decomposition(s)); }

std::string nfc(std::string_view s) {
  if (is_nfc_quick(s)) return std::string(s);
  std::vector<char32_t> cps = canonical_decomposition(s);
  // Canonical composition (Unicode §3.11 D117): combine each character with the last starter
  // unless a character of the same or higher class blocks it.
  size_t starter = 0, out = 0;
  bool have_starter = false;
  uint32_t last_class = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    const char32_t c = cps[i];
    const uint32_t cc = combining_class(c);
    if (have_starter && (last_class < cc || (last_class == 0 && out == starter + 1))) {
      if (const char32_t composite = compose_pair(cps[starter], c)) {
        cps[starter] = composite;
        continue;
      }
    }
    if (cc == 0) {
      starter = out;
      have_starter = true;
      last_class = 0;
    } else {
      last_class = cc;
    }
    cps[out++] = c;
  }
  cps.resize(out);
  return to_utf8(cps);
}

}  // namespace r1::text
