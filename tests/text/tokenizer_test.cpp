// Tokenizer: BPE merges against a naive reference implementation, round trips, added-token flags,
// post-processing, batch encoding, and errors that name the component and the file.
#include "text/tokenizer.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdio>
#include <fstream>
#include <random>

#include "core/error.h"
#include "text/bpe_trainer.h"
#include "text/byte_level.h"

namespace r1::text {
namespace {

using nlohmann::json;

// A byte-level tokenizer.json with the 256 byte chars and the given merges (token strings in the
// byte-level alphabet), ids in order of creation.
json byte_level_tokenizer(const std::vector<std::pair<std::string, std::string>>& merges,
                          json pre_tokenizer = nullptr) {
  json vocab = json::object();
  int id = 0;
  for (int b = 0; b < 256; ++b) vocab[byte_level::char_for_byte(static_cast<unsigned char>(b))] = id++;
  json m = json::array();
  for (const auto& [a, b] : merges) {
    if (!vocab.contains(a + b)) vocab[a + b] = id++;
    m.push_back({a, b});
  }
  if (pre_tokenizer.is_null())
    pre_tokenizer = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}};
  return {{"version", "1.0"},
          {"added_tokens", json::array()},
          {"normalizer", nullptr},
          {"pre_tokenizer", pre_tokenizer},
          {"post_processor", nullptr},
          {"decoder", {{"type", "ByteLevel"}}},
          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", m}}}};
}

// Textbook BPE (Sennrich et al.): repeatedly merge the adjacent pair with the lowest merge rank,
// leftmost occurrence first. Works on token strings, independent of the library's id tables.
std::vector<std::string> naive_bpe(const std::string& word,
                                   const std::vector<std::pair<std::string, std::string>>& merges) {
  std::vector<std::string> syms;
  for (unsigned char b : word) syms.push_back(byte_level::char_for_byte(b));
  for (;;) {
    size_t best_rank = SIZE_MAX, best_pos = 0;
    for (size_t i = 0; i + 1 < syms.size(); ++i)
      for (size_t r = 0; r < merges.size() && r < best_rank; ++r)
        if (merges[r].first == syms[i] && merges[r].second == syms[i + 1]) best_rank = r, best_pos = i;
    if (best_rank == SIZE_MAX) return syms;
    syms[best_pos] += syms[best_pos + 1];
    syms.erase(syms.begin() + static_cast<long>(best_pos) + 1);
  }
}

TEST(Tokenizer, BpeMatchesNaiveReferenceOnRandomWords) {
  const std::vector<std::pair<std::string, std::string>> merges = {
      {"a", "b"}, {"b", "c"}, {"ab", "c"}, {"c", "a"}, {"a", "a"}, {"aa", "a"},
      {"abc", "a"}, {"b", "b"}, {"ca", "b"}, {"aaa", "aaa"}, {"c", "c"}, {"bb", "cc"}};
  const Tokenizer tok = Tokenizer::from_json(byte_level_tokenizer(merges));
  std::mt19937 rng(7);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string w;
    const int len = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < len; ++i) w += "abc"[rng() % 3];
    std::vector<int32_t> expected;
    for (const auto& s : naive_bpe(w, merges)) expected.push_back(tok.token_to_id(s));
    EXPECT_EQ(tok.encode(w), expected) << w;
    EXPECT_EQ(tok.decode(tok.encode(w)), w);
  }
}

TEST(Tokenizer, RoundTripsArbitraryBytesAndUnicode) {
  BpeTrainerConfig cfg;
  cfg.num_merges = 50;
  cfg.nfc = false;
  const Tokenizer tok = train_bpe({"hello world, hello tokenizer 😀 中文 ünïcödé"}, cfg);
  std::mt19937 rng(11);
  const std::vector<std::string> pieces = {"hello", " ", "  ", "\n", "\t", "😀", "中", "é", "e\xCC\x81",
                                           "1", "234", "<", ">", "'s", "'LL", "\xF0\x9F\x87\xAF"};
  for (int trial = 0; trial < 500; ++trial) {
    std::string s;
    for (int k = static_cast<int>(rng() % 10); k >= 0; --k) s += pieces[rng() % pieces.size()];
    EXPECT_EQ(tok.decode(tok.encode(s)), s);
  }
  // Invalid UTF-8 is read lossily (U+FFFD), like Rust's from_utf8_lossy.
  EXPECT_EQ(tok.decode(tok.encode("a\xFF" "b")), "a\xEF\xBF\xBD" "b");
}

TEST(Tokenizer, SaveLoadRoundTripKeepsIds) {
  const Tokenizer tok = Tokenizer::from_json(byte_level_tokenizer({{"a", "b"}, {"ab", "c"}}));
  const std::string path = ::testing::TempDir() + "/r1_tok_roundtrip.json";
  tok.save(path);
  const Tokenizer back = Tokenizer::from_file(path);
  EXPECT_EQ(back.encode("abcabx"), tok.encode("abcabx"));
  EXPECT_EQ(back.vocab_size(), tok.vocab_size());
  std::remove(path.c_str());
}

json with_added(json j, std::vector<json> tokens) {
  for (auto& t : tokens) j["added_tokens"].push_back(t);
  return j;
}

json added(int id, const std::string& content, bool special, bool lstrip = false,
           bool rstrip = false, bool single_word = false, bool normalized = false) {
  return {{"id", id},         {"content", content}, {"special", special},
          {"lstrip", lstrip}, {"rstrip", rstrip},   {"single_word", single_word},
          {"normalized", normalized}};
}

TEST(Tokenizer, AddedTokenFlags) {
  const json base = byte_level_tokenizer({});
  const Tokenizer plain = Tokenizer::from_json(base);
  const Tokenizer tok = Tokenizer::from_json(with_added(
      base, {added(300, "<mask>", true, /*lstrip=*/true), added(301, "<eos>", true, false, /*rstrip=*/true),
             added(302, "cat", false, false, false, /*single_word=*/true), added(303, "<think>", false),
             added(304, "<thinking>", false)}));
  const auto cat = [](std::vector<int32_t> a, const std::vector<int32_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  // lstrip: the spaces left of <mask> are absorbed; rstrip: those right of <eos>.
  EXPECT_EQ(tok.encode("a  <mask> b"), cat(cat(plain.encode("a"), {300}), plain.encode(" b")));
  EXPECT_EQ(tok.encode("a <eos>  b"), cat(cat(plain.encode("a "), {301}), plain.encode("b")));
  // single_word: only matches when not inside a word.
  EXPECT_EQ(tok.encode("a cat!"), cat(cat(plain.encode("a "), {302}), plain.encode("!")));
  EXPECT_EQ(tok.encode("concatenate"), plain.encode("concatenate"));
  // Leftmost-longest: "<thinking>" wins over its prefix "<think>".
  EXPECT_EQ(tok.encode("<thinking><think>"), (std::vector<int32_t>{304, 303}));
  // skip_special_tokens drops special tokens only.
  EXPECT_EQ(tok.decode({300, 303, 301}, /*skip_special_tokens=*/true), "<think>");
  EXPECT_EQ(tok.decode({300, 303, 301}), "<mask><think><eos>");
  EXPECT_EQ(tok.token_to_id("<think>"), 303);
  EXPECT_EQ(tok.id_to_token(304), "<thinking>");
  EXPECT_EQ(tok.vocab_size(), 305);
}

TEST(Tokenizer, NormalizedAddedTokensMatchAfterNormalization) {
  json base = byte_level_tokenizer({});
  base["normalizer"] = {{"type", "NFC"}};
  // "é" (U+00E9) as an added token: normalized=true matches decomposed input after NFC.
  const Tokenizer norm = Tokenizer::from_json(
      with_added(base, {added(300, "\xC3\xA9", false, false, false, false, /*normalized=*/true)}));
  EXPECT_EQ(norm.encode("e\xCC\x81"), (std::vector<int32_t>{300}));
  const Tokenizer raw = Tokenizer::from_json(
      with_added(base, {added(300, "\xC3\xA9", false, false, false, false, /*normalized=*/false)}));
  EXPECT_EQ(raw.encode("\xC3\xA9"), (std::vector<int32_t>{300}));
  EXPECT_NE(raw.encode("e\xCC\x81"), (std::vector<int32_t>{300}));  // raw text has no "é"
}

TEST(Tokenizer, TemplatePostProcessorAddsBosOnlyWithSpecialTokens) {
  json j = with_added(byte_level_tokenizer({}), {added(300, "<s>", true)});
  j["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
      {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {300}}, {"tokens", {"<s>"}}}}}}};
  const Tokenizer tok = Tokenizer::from_json(j);
  const auto ids = tok.encode("hi");
  auto with_bos = ids;
  with_bos.insert(with_bos.begin(), 300);
  EXPECT_EQ(tok.encode("hi", /*add_special_tokens=*/true), with_bos);
}

TEST(Tokenizer, EncodeBatchEqualsEncode) {
  BpeTrainerConfig cfg;
  cfg.num_merges = 30;
  const Tokenizer tok = train_bpe({"the cat sat on the mat", "the dog ate the cat food"}, cfg);
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) texts.push_back("the cat " + std::to_string(i * 7919) + " sat");
  const auto batch = tok.encode_batch(texts);
  ASSERT_EQ(batch.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(batch[i], tok.encode(texts[i]));
}

TEST(Tokenizer, SplitPreTokenizerQwen2DigitsAndContractions) {
  // Qwen2 regex: digits single, contractions separate, space attached to the next word.
  const json pre = {{"type", "Sequence"},
                    {"pretokenizers",
                     {{{"type", "Split"}, {"pattern", {{"Regex", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}}}, {"behavior", "Isolated"}, {"invert", false}},
                      {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
  // A merge that would join two digits and one joining " i": only the second may fire.
  const Tokenizer tok = Tokenizer::from_json(
      byte_level_tokenizer({{"1", "2"}, {byte_level::encode(" "), "i"}, {"'", "S"}}, pre));
  const auto ids = tok.encode("12 it'S");
  std::vector<std::string> toks;
  for (int32_t id : ids) toks.push_back(tok.id_to_token(id));
  EXPECT_EQ(toks, (std::vector<std::string>{"1", "2", byte_level::encode(" i"), "t", "'S"}));
}

TEST(Tokenizer, CharLevelBpeWithUnkAndByteFallback) {
  // A SentencePiece-style (non byte-level) BPE: unknown chars fall back to <0xXX> byte tokens when
  // byte_fallback is set, else to the unk token (fused when fuse_unk).
  json vocab = {{"<unk>", 0}, {"a", 1}, {"b", 2}, {"ab", 3}, {"<0xC3>", 4}, {"<0xA9>", 5}};
  json j = {{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"a b"}}, {"unk_token", "<unk>"}, {"byte_fallback", true}}},
            {"decoder", {{"type", "Sequence"}, {"decoders", {{{"type", "ByteFallback"}}, {{"type", "Fuse"}}}}}}};
  const Tokenizer fb = Tokenizer::from_json(j);
  EXPECT_EQ(fb.encode("ab\xC3\xA9z"), (std::vector<int32_t>{3, 4, 5, 0}));
  EXPECT_EQ(fb.decode({3, 4, 5}), "ab\xC3\xA9");
  j["model"]["byte_fallback"] = false;
  j["model"]["fuse_unk"] = true;
  EXPECT_EQ(Tokenizer::from_json(j).encode("azzb"), (std::vector<int32_t>{1, 0, 2}));
}

void expect_error(const json& j, const std::string& must_contain) {
  try {
    (void)Tokenizer::from_json(j, "models/x/tokenizer.json");
    ADD_FAILURE() << "no error; expected one mentioning " << must_contain;
  } catch (const r1::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("models/x/tokenizer.json"), std::string::npos) << what;
    EXPECT_NE(what.find(must_contain), std::string::npos) << what;
  }
}

TEST(Tokenizer, MalformedFilesNameTheComponentAndFile) {
  const json ok = byte_level_tokenizer({{"a", "b"}});
  json j = ok;
  j.erase("model");
  expect_error(j, "model");
  j = ok;
  j["normalizer"] = {{"type", "BertNormalizer"}};
  expect_error(j, "BertNormalizer");
  j = ok;
  j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "Metaspace"}}}}};
  expect_error(j, "Metaspace");
  j = ok;
  j["decoder"] = {{"type", "WordPiece"}};
  expect_error(j, "WordPiece");
  j = ok;
  j["post_processor"] = {{"type", "Whatever"}};
  expect_error(j, "Whatever");
  j = ok;
  j["model"]["type"] = "Unigram";
  expect_error(j, "Unigram");
  j = ok;
  j["model"]["merges"] = json::array({json::array({"a", "zz"})});
  expect_error(j, "zz");
  j = ok;
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "([a-z"}}}, {"behavior", "Isolated"}};
  expect_error(j, "Split");
  j = ok;
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Sideways"}};
  expect_error(j, "Sideways");
  j = ok;
  j["added_tokens"] = {{{"content", "<x>"}}};
  expect_error(j, "added_tokens");
  j = ok;
  j["truncation"] = {{"max_length", 8}};
  expect_error(j, "truncation");
  // A file that is not JSON: the error names the path.
  const std::string path = ::testing::TempDir() + "/r1_bad_tokenizer.json";
  std::ofstream(path) << "{\"model\": ";
  try {
    (void)Tokenizer::from_file(path);
    ADD_FAILURE() << "no error for truncated JSON";
  } catch (const r1::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace r1::text
