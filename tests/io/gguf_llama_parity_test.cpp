// llama.cpp itself as the oracle of `r1 export --format gguf`: npm's node-llama-cpp (prebuilt CPU
// binaries, installed into <build>/npm-llama by scripts/llama_peer/install.sh) loads the exported
// file and decodes greedily from token ids (scripts/llama_peer/peer.mjs), so no tokenizer stands
// between the two models:
//   - f32: llama.cpp's 160 greedy tokens must equal r1cpp's, for a Qwen2 and a Llama model;
//   - q8_0 / q4_0 / q4_1: the files load and decode in llama.cpp; agreement with r1cpp running the
//     dequantized weights of the same file, and running its blocks as stored (--model F.gguf),
//     (tokens until the first divergence) is reported, not required — float summation order and,
//     for the dequantized weights, llama.cpp's quantized activations differ;
//   - tokenization: llama.cpp's tokens for strings equal r1cpp's for the three pre-tokenizers it
//     knows by name (qwen2, llama-bpe, gpt-2).
// The test skips (with npm's message) only when the npm install fails.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "common/cli.h"
#include "common/llama_peer.h"
#include "core/files.h"
#include "io/checkpoint.h"
#include "io/gguf_import.h"
#include "io/inference_load.h"
#include "io/gguf_test_util.h"
#include "io/io_test_util.h"
#include "io/model_dir.h"

namespace r1::io::gguf {
namespace {

using json = nlohmann::json;
using r1::io::testing::ScratchDir;
using r1::io::testing::TinyCheckpoint;
using r1::test::LlamaPeer;

constexpr int64_t kContinuation = 160;

std::string join(const std::vector<int64_t>& ids) {
  std::string s;
  for (int64_t i : ids) s += (s.empty() ? "" : ",") + std::to_string(i);
  return s;
}

std::vector<int64_t> llama_greedy(const std::string& gguf, const std::vector<int64_t>& prompt, int64_t n) {
  const auto r = r1::test::run_shell(LlamaPeer::get().script_command("greedy --model " + gguf + " --prompt " + join(prompt) +
                                                                  " --n " + std::to_string(n)));
  EXPECT_EQ(r.status, 0) << r.output;
  const size_t brace = r.output.rfind("{\"tokens\"");
  if (r.status != 0 || brace == std::string::npos) return {};
  return json::parse(r.output.substr(brace))["tokens"].get<std::vector<int64_t>>();
}

std::vector<int64_t> prompt_of(const std::string& checkpoint) {
  const auto loaded = load_model_dir(checkpoint);
  const auto ids = loaded.tokenizer->encode("User: what is 12 + 345? Assistant: <think>", false);
  return {ids.begin(), ids.end()};
}

size_t agreeing_prefix(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

#define R1_REQUIRE_LLAMA_PEER() \
  if (!LlamaPeer::get().error.empty()) GTEST_SKIP() << LlamaPeer::get().error

TEST(GgufLlamaParity, F32GreedyDecodingEqualsLlamaCppForQwen2AndLlama) {
  R1_REQUIRE_LLAMA_PEER();
  for (const char* arch : {"qwen2", "llama"}) {
    ScratchDir dir;
    TinyCheckpoint o;
    o.arch = arch;
    o.tie = std::string(arch) == "qwen2";
    o.pre_tokenizer = o.tie ? text::PreTokenizerKind::Qwen2 : text::PreTokenizerKind::Llama3;
    o.seed = 11;
    r1::io::testing::write_tiny_checkpoint(dir / "ck", o);
    const auto r = r1::test::run_r1("export --model " + (dir / "ck") + " --out " + (dir / "m.gguf") + " --type f32");
    ASSERT_EQ(r.status, 0) << r.output;

    const std::vector<int64_t> prompt = prompt_of(dir / "ck");
    auto loaded = load_model_dir(dir / "ck");
    const auto ours = r1::io::testing::greedy_decode(*loaded.model, prompt, kContinuation);
    const auto theirs = llama_greedy(dir / "m.gguf", prompt, kContinuation);
    const std::set<int64_t> distinct(ours.tokens.begin(), ours.tokens.end());
    std::printf("%s f32: %zu of %lld greedy tokens agree with llama.cpp; %zu distinct tokens; smallest top-2 logit gap %.4f\n",
                arch, agreeing_prefix(ours.tokens, theirs), static_cast<long long>(kContinuation), distinct.size(),
                ours.min_gap);
    EXPECT_EQ(ours.tokens, theirs) << arch << ": first divergence at token " << agreeing_prefix(ours.tokens, theirs);
    EXPECT_GT(distinct.size(), 1u) << arch << ": a single repeated token proves little; change the seed";
  }
}

TEST(GgufLlamaParity, QuantizedExportsRunInLlamaCppAndAgreeWithTheirDequantizedWeights) {
  R1_REQUIRE_LLAMA_PEER();
  ScratchDir dir;
  TinyCheckpoint o;
  o.seed = 11;
  r1::io::testing::write_tiny_checkpoint(dir / "ck", o);
  const std::vector<int64_t> prompt = prompt_of(dir / "ck");
  auto loaded = load_model_dir(dir / "ck");
  const auto fp32 = r1::io::testing::greedy_decode(*loaded.model, prompt, kContinuation);
  for (const char* type : {"q8_0", "q4_0", "q4_1"}) {
    const std::string gguf = dir / (std::string(type) + ".gguf");
    const auto r = r1::test::run_r1("export --model " + (dir / "ck") + " --out " + gguf + " --type " + type);
    ASSERT_EQ(r.status, 0) << r.output;
    const ImportedCheckpoint back = import_gguf(gguf);
    load_into(*loaded.model, back.tensors, /*strict=*/true, /*tie_word_embeddings=*/true);
    const auto ours = r1::io::testing::greedy_decode(*loaded.model, prompt, kContinuation);
    const auto theirs = llama_greedy(gguf, prompt, kContinuation);
    ASSERT_EQ(static_cast<int64_t>(theirs.size()), kContinuation) << type << ": llama.cpp did not run the file";
    const size_t agree = agreeing_prefix(ours.tokens, theirs);
    // The yardstick: how far rounding the weights alone moves r1cpp's own greedy decoding.
    const size_t own = agreeing_prefix(fp32.tokens, ours.tokens);
    // r1cpp running the file's blocks as stored (--model F.gguf: the quantized layers, whose block
    // kernel quantizes activations to q8_0 as llama.cpp does; prompts past 32 rows take dequantized
    // tiles).
    auto stored = r1::io::load_for_inference(gguf, r1::io::InferenceLoad{});
    const auto as_stored = r1::io::testing::greedy_decode(*stored.model, prompt, kContinuation);
    const size_t stored_agree = agreeing_prefix(as_stored.tokens, theirs);
    std::printf("%s: llama.cpp (%s weights, q8 activations) and r1cpp (the same weights dequantized, fp32 "
                "activations) agree on the first %zu of %lld greedy tokens; r1cpp fp32 vs r1cpp on the %s "
                "weights: %zu; r1cpp running the file's blocks as stored vs llama.cpp: %zu\n",
                type, type, agree, static_cast<long long>(kContinuation), type, own, stored_agree);
    RecordProperty(std::string(type) + "_agreeing_prefix", static_cast<int>(agree));
    RecordProperty(std::string(type) + "_as_stored_agreeing_prefix", static_cast<int>(stored_agree));
  }
}

TEST(GgufLlamaParity, LlamaCppTokenizesLikeR1cppForThePreTokenizersItKnows) {
  R1_REQUIRE_LLAMA_PEER();
  const std::vector<std::string> texts = {
      "Hello, World! 12345 6789 3.14159",
      "  leading spaces\n\nnew lines\t\ttabs   trailing  ",
      "don't you'll we're they've I'm she'd it's",
      "中文字符 数学 😀🚀 ünïcödé àccents",
      "<think>12 + 345 = 357</think> The answer is 357.<|im_end|>",
      "def add(a, b):\n    return a + b  # it's simple\n",
      "unseen words: zebra quixotic xylophone",
  };
  for (auto kind : {text::PreTokenizerKind::Qwen2, text::PreTokenizerKind::Llama3, text::PreTokenizerKind::Gpt2ByteLevel}) {
    ScratchDir dir;
    TinyCheckpoint o;
    o.pre_tokenizer = kind;
    r1::io::testing::write_tiny_checkpoint(dir / "ck", o);
    const auto r = r1::test::run_r1("export --model " + (dir / "ck") + " --out " + (dir / "m.gguf") + " --type f16");
    ASSERT_EQ(r.status, 0) << r.output;
    write_file_atomic(dir / "texts.json", json(texts).dump());
    const auto t = r1::test::run_shell(LlamaPeer::get().script_command("tokenize --model " + (dir / "m.gguf") + " --texts " +
                                                                    (dir / "texts.json")));
    ASSERT_EQ(t.status, 0) << t.output;
    const json theirs = json::parse(t.output.substr(t.output.rfind("{\"ids\"")))["ids"];
    const auto tok = load_model_dir(dir / "ck").tokenizer;
    for (size_t i = 0; i < texts.size(); ++i) {
      const auto ours = tok->encode(texts[i], false);
      EXPECT_EQ(std::vector<int64_t>(ours.begin(), ours.end()), theirs[i].get<std::vector<int64_t>>())
          << "pre-tokenizer " << static_cast<int>(kind) << ", text " << json(texts[i]).dump();
    }
  }
}

}  // namespace
}  // namespace r1::io::gguf
