// Unicode tables for canonical normalization (NFC/NFD), generated into unicode_data.cpp by
// gen_unicode_data.py. All tables are sorted by their first field (binary search).
#pragma once
#include <cstddef>
#include <cstdint>

namespace r1::text::unicode {

struct CombiningClass { uint32_t cp; uint32_t ccc; };
// Canonical decomposition of cp into one (second == 0) or two code points (not yet recursive).
struct Decomposition { uint32_t cp; uint32_t first; uint32_t second; };
// Primary composite: first + second -> composite (composition exclusions already removed).
struct Composition { uint32_t first; uint32_t second; uint32_t composite; };
// Code points that may change under NFC (NFC_QC != Yes, ccc != 0, or may combine with a previous
// character): a string without any of them is already NFC.
struct Range { uint32_t lo; uint32_t hi; };

extern const CombiningClass kCombiningClass[];
extern const size_t kCombiningClass_size;
extern const Decomposition kDecomposition[];
extern const size_t kDecomposition_size;
extern const Composition kComposition[];
extern const size_t kComposition_size;
extern const Range kNfcSensitive[];
extern const size_t kNfcSensitive_size;
extern const char* const kUnicodeVersion;

}  // namespace r1::text::unicode
