// NFC/NFD against the examples of Unicode Standard Annex #15 (figures 3-6) and the Hangul
// composition algorithm of the Unicode Standard §3.12.
#include "text/unicode_normalize.h"

#include <gtest/gtest.h>

namespace r1::text {
namespace {

TEST(UnicodeNormalize, Uax15Examples) {
  // Singletons: U+212B ANGSTROM SIGN -> U+00C5; U+2126 OHM SIGN -> U+03A9.
  EXPECT_EQ(nfc("\xE2\x84\xAB"), "\xC3\x85");
  EXPECT_EQ(nfc("\xE2\x84\xA6"), "\xCE\xA9");
  EXPECT_EQ(nfd("\xE2\x84\xAB"), "A\xCC\x8A");
  // Canonical composites: A + ring -> U+00C5; e + acute -> U+00E9.
  EXPECT_EQ(nfc("A\xCC\x8A"), "\xC3\x85");
  EXPECT_EQ(nfc("e\xCC\x81"), "\xC3\xA9");
  // Canonical ordering: s + dot below + dot above and s + dot above + dot below -> U+1E69.
  EXPECT_EQ(nfc("s\xCC\xA3\xCC\x87"), "\xE1\xB9\xA9");
  EXPECT_EQ(nfc("s\xCC\x87\xCC\xA3"), "\xE1\xB9\xA9");
  // U+1E0B (d dot above) + dot below -> U+1E0D (d dot below) + dot above.
  EXPECT_EQ(nfc("\xE1\xB8\x8B\xCC\xA3"), "\xE1\xB8\x8D\xCC\x87");
  // q + dot above + dot below: no composite, marks reordered by class (220 before 230).
  EXPECT_EQ(nfc("q\xCC\x87\xCC\xA3"), "q\xCC\xA3\xCC\x87");
}

TEST(UnicodeNormalize, HangulComposesAlgorithmically) {
  // U+1100 U+1161 -> U+AC00 (가); + U+11A8 -> U+AC01 (각).
  EXPECT_EQ(nfc("\xE1\x84\x80\xE1\x85\xA1"), "\xEA\xB0\x80");
  EXPECT_EQ(nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "\xEA\xB0\x81");
  EXPECT_EQ(nfd("\xEA\xB0\x81"), "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8");
}

TEST(UnicodeNormalize, AsciiAndCjkAreUnchangedFastPath) {
  EXPECT_TRUE(is_nfc_quick("plain ASCII 123"));
  EXPECT_TRUE(is_nfc_quick("\xE4\xB8\xAD\xE6\x96\x87"));  // 中文
  EXPECT_FALSE(is_nfc_quick("e\xCC\x81"));
  EXPECT_EQ(nfc("\xE4\xB8\xAD\xE6\x96\x87 abc"), "\xE4\xB8\xAD\xE6\x96\x87 abc");
}

}  // namespace
}  // namespace r1::text
