// Inference from GGUF files (io/gguf_load.h) and GGUF export of quantized checkpoints:
//   - a Q8_0 / Q4_0 GGUF written by `r1 export` loads with its blocks as stored, and the model equals
//     the one `--quant int8` / `--quant int4` makes of the original checkpoint (int8 = Q8_0, int4 =
//     Q4_0 with a Q8_0 head: the same formats) — every layer's blocks, the table, the logits and
//     `r1 generate`'s greedy text; an f32 GGUF loads as the checkpoint does, and quantizes at load;
//   - the tokenizer rebuilt from the GGUF metadata encodes and decodes as the checkpoint's
//     tokenizer.json, for the three pre-tokenizers export writes;
//   - malformed files (truncated, an unknown tensor type, a pre-tokenizer r1cpp cannot rebuild, a
//     --quant that would round twice) are errors naming the file and the tensor or key;
//   - `r1 export` of a quantized checkpoint writes its blocks bit for bit, the GGUF loads into the
//     model the checkpoint loads into, and exported back to a quantized checkpoint it is that model;
//   - `r1 inspect` counts a quantized checkpoint's and a GGUF's parameters as the original model's.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/cli.h"
#include "core/error.h"
#include "io/gguf_file.h"
#include "io/gguf_import.h"
#include "io/gguf_load.h"
#include "io/gguf_test_util.h"
#include "io/gguf_tokenizer.h"
#include "io/inference_load.h"
#include "io/io_test_util.h"
#include "io/model_dir.h"
#include "io/quantized_checkpoint.h"
#include "io/safetensors.h"
#include "model/quant_linear.h"

namespace r1::io::gguf {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using r1::io::testing::ScratchDir;
using r1::io::testing::TinyCheckpoint;

std::map<std::string, model::QuantLinearImpl*> quant_layers(model::CausalLMImpl& m) {
  std::map<std::string, model::QuantLinearImpl*> out;
  for (const auto& item : m.named_modules())
    if (auto* q = dynamic_cast<model::QuantLinearImpl*>(item.value().get())) out[item.key()] = q;
  return out;
}

// An embedding table [V, H] whose every value both bf16 and `type`'s blocks hold exactly: integers
// times a power of two, each block of 32 holding the extreme the quantizer's scale is taken from
// (Q8_0: 127, Q4_0: -8), so the scale is that power of two. The quantized load keeps the table in
// bf16 and a GGUF stores it in blocks: only with such values can the two models be equal bit for bit.
at::Tensor exact_table(int64_t vocab, int64_t hidden, TensorType type, uint64_t seed) {
  torch::manual_seed(seed);
  const bool q8 = type == TensorType::q8_0;
  auto k = q8 ? torch::randint(-127, 128, {vocab, hidden}) : torch::randint(-8, 8, {vocab, hidden});
  k.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, torch::indexing::None, 32)}, q8 ? 127 : -8);
  return (k * (q8 ? 1.0 / 512 : 1.0 / 32)).to(torch::kFloat);
}

// The tiny checkpoint of io/gguf_test_util.h with the table above.
void write_checkpoint(const std::string& dir, const TinyCheckpoint& o, TensorType table_type) {
  r1::io::testing::write_tiny_checkpoint(dir, o);
  auto loaded = load_model_dir(dir);
  auto& table = loaded.model->model->embed_tokens->weight;
  {
    torch::NoGradGuard ng;
    table.copy_(exact_table(table.size(0), table.size(1), table_type, o.seed + 7));
  }
  save_model_dir(dir, *loaded.model, &*loaded.tokenizer, loaded.tokenizer_config);
}

void export_gguf_cli(const std::string& ck, const std::string& out, const std::string& extra) {
  const auto r = r1::test::run_r1("export --model " + ck + " --out " + out + " " + extra);
  ASSERT_EQ(r.status, 0) << r.output;
}

// The two models are the same: every quantized layer (type, blocks, bias), the table, the dense
// tensors, and the logits of a batch (sgemm tiles) and of one row (the block kernel).
void expect_same_model(model::CausalLMImpl& a, model::CausalLMImpl& b, const std::string& what) {
  torch::NoGradGuard ng;
  auto qa = quant_layers(a), qb = quant_layers(b);
  ASSERT_EQ(qa.size(), qb.size()) << what;
  EXPECT_EQ(qa.size(), 2u * 7u + 1u) << what;  // 7 projections a layer, and the head
  for (const auto& [name, layer] : qa) {
    ASSERT_TRUE(qb.count(name)) << what << ": " << name;
    EXPECT_EQ(qb[name]->type(), layer->type()) << what << ": " << name;
    EXPECT_TRUE(torch::equal(qb[name]->blocks(), layer->blocks())) << what << ": " << name;
    ASSERT_EQ(qb[name]->dense_bias().defined(), layer->dense_bias().defined()) << what << ": " << name;
    if (layer->dense_bias().defined()) {
      EXPECT_TRUE(torch::equal(qb[name]->dense_bias(), layer->dense_bias())) << name;
    }
  }
  const auto pa = a.named_parameters(), pb = b.named_parameters();
  ASSERT_EQ(pa.size(), pb.size()) << what;
  for (const auto& p : pa) {
    ASSERT_NE(pb.find(p.key()), nullptr) << what << ": " << p.key();
    EXPECT_EQ(pb[p.key()].scalar_type(), p.value().scalar_type()) << what << ": " << p.key();
    EXPECT_TRUE(torch::equal(pb[p.key()], p.value())) << what << ": " << p.key();
  }
  const auto ids = torch::randint(0, a.config().vocab_size, {2, 9}, torch::kInt64);
  EXPECT_TRUE(torch::equal(a.forward(ids), b.forward(ids))) << what;
  const auto row = ids.narrow(0, 0, 1).narrow(1, 0, 1);
  EXPECT_TRUE(torch::equal(a.forward(row), b.forward(row))) << what;
}

std::string greedy_text(const std::string& model, const std::string& extra) {
  const auto r = r1::test::run_r1("generate --model " + model + " --prompt 'The quick brown fox' --temperature 0 "
                                  "--max_new_tokens 12 " + extra);
  EXPECT_EQ(r.status, 0) << r.output;
  return r.output;
}

TEST(GgufLoad, QuantizedGgufLoadsAsStoredAndEqualsTheQuantizedLoadOfTheCheckpoint) {
  struct Case {
    const char* type;
    WeightQuant quant;
    bool tie;
  };
  for (const Case& c : {Case{"q8_0", WeightQuant::int8, true}, Case{"q8_0", WeightQuant::int8, false},
                        Case{"q4_0", WeightQuant::int4, true}, Case{"q4_0", WeightQuant::int4, false}}) {
    ScratchDir dir;
    const std::string what = std::string(c.type) + (c.tie ? " tied" : " untied");
    TinyCheckpoint o;
    o.tie = c.tie;
    o.seed = 5;
    // The GGUF stores token_embd in the head's type when tied (q8_0), else in --type.
    const bool table_q8 = c.quant == WeightQuant::int8 || c.tie;
    write_checkpoint(dir / "ck", o, table_q8 ? TensorType::q8_0 : TensorType::q4_0);
    const std::string gguf = dir / "m.gguf";
    export_gguf_cli(dir / "ck", gguf, std::string("--type ") + c.type);

    InferenceLoad quant;
    quant.quant = c.quant;
    auto at_load = load_for_inference(dir / "ck", quant);
    model::QuantizeReport rep;
    auto as_stored = load_for_inference(gguf, InferenceLoad{}, torch::kCPU, &rep);
    EXPECT_TRUE(rep.kept_dense.empty()) << what;
    expect_same_model(*at_load.model, *as_stored.model, what + " as stored");
    auto named = load_for_inference(gguf, quant);  // --quant naming the stored formats: the same
    expect_same_model(*at_load.model, *named.model, what + " --quant");
    EXPECT_EQ(as_stored.model->config().eos_token_id, at_load.model->config().eos_token_id) << what;

    // The other --quant would round the blocks twice.
    InferenceLoad other;
    other.quant = c.quant == WeightQuant::int8 ? WeightQuant::int4 : WeightQuant::int8;
    try {
      load_for_inference(gguf, other);
      ADD_FAILURE() << what << ": loaded with another --quant";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(gguf), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("drop --quant"), std::string::npos) << e.what();
    }

    // End to end: the same greedy text, through the rebuilt tokenizer.
    const std::string quant_name = c.quant == WeightQuant::int8 ? "int8" : "int4";
    EXPECT_EQ(greedy_text(gguf, ""), greedy_text(dir / "ck", "--quant " + quant_name)) << what;
  }
}

TEST(GgufLoad, FloatGgufLoadsAsTheCheckpointAndQuantizesAtLoad) {
  ScratchDir dir;
  TinyCheckpoint o;
  o.arch = "llama";  // q/k rows permuted by export and back by the load
  o.tie = false;
  o.pre_tokenizer = text::PreTokenizerKind::Llama3;
  r1::io::testing::write_tiny_checkpoint(dir / "ck", o);
  export_gguf_cli(dir / "ck", dir / "m.gguf", "--type f32");
  torch::NoGradGuard ng;
  auto ours = load_model_dir(dir / "ck");
  // The plain fp32 path gives the checkpoint's bits; the default one (model/f32_linear.h: fused QKV and
  // gate+up, the decode kernel) differs from it only by float summation order.
  InferenceLoad plain;
  plain.f32_kernel = "aten";
  auto back = load_for_inference(dir / "m.gguf", plain), fast = load_for_inference(dir / "m.gguf", InferenceLoad{});
  const auto ids = torch::randint(0, ours.model->config().vocab_size, {2, 9}, torch::kInt64);
  const auto want = ours.model->forward(ids);
  EXPECT_TRUE(torch::equal(want, back.model->forward(ids)));
  EXPECT_LT((fast.model->forward(ids) - want).abs().max().item<double>(), 1e-5 * (1 + want.abs().max().item<double>()));
  EXPECT_TRUE(quant_layers(*back.model).empty());
  EXPECT_TRUE(quant_layers(*fast.model).empty());
  InferenceLoad int8;
  int8.quant = WeightQuant::int8;
  auto a = load_for_inference(dir / "ck", int8), b = load_for_inference(dir / "m.gguf", int8);
  expect_same_model(*a.model, *b.model, "llama f32 gguf --quant int8");
}

TEST(GgufLoad, RebuiltTokenizerEncodesAndDecodesAsTheCheckpointsTokenizer) {
  std::vector<std::string> texts = r1::io::testing::tiny_corpus();
  texts.insert(texts.end(), {"Hello, World! 12345 6789 3.14159", "  leading spaces\n\nnew lines\t\ttabs   trailing  ",
                             "don't you'll we're they've I'm she'd it's",
                             "<|im_start|>user\n<think>12 + 345 = 357</think> The answer is 357.<|im_end|>",
                             "unseen words: zebra quixotic xylophone"});
  struct Case {
    text::PreTokenizerKind kind;
    const char* arch;
    const char* pre;
  };
  for (const Case& c : {Case{text::PreTokenizerKind::Qwen2, "qwen2", "qwen2"},
                        Case{text::PreTokenizerKind::Llama3, "llama", "llama-bpe"},
                        Case{text::PreTokenizerKind::Gpt2ByteLevel, "qwen2", "gpt-2"}}) {
    ScratchDir dir;
    TinyCheckpoint o;
    o.pre_tokenizer = c.kind;
    o.arch = c.arch;
    r1::io::testing::write_tiny_checkpoint(dir / "ck", o);
    export_gguf_cli(dir / "ck", dir / "m.gguf", "--type f16");
    const GgufFile f(dir / "m.gguf");
    EXPECT_EQ(f.header().at("tokenizer.ggml.pre", f.path()).as_string("pre"), c.pre);
    const auto rebuilt = text::Tokenizer::from_json(tokenizer_json_of(f.header(), f.path()));
    const auto original = load_model_dir(dir / "ck");
    const auto& tok = *original.tokenizer;
    EXPECT_EQ(rebuilt.vocab_size(), tok.vocab_size()) << c.pre;
    for (const auto& t : texts)
      for (bool special : {false, true}) {
        const auto ids = tok.encode(t, special);
        EXPECT_EQ(rebuilt.encode(t, special), ids) << c.pre << ": " << json(t).dump() << (special ? " (specials)" : "");
        for (bool skip : {false, true}) EXPECT_EQ(rebuilt.decode(ids, skip), tok.decode(ids, skip)) << c.pre;
      }
    const json tc = tokenizer_config_of(f.header());
    EXPECT_EQ(tc["chat_template"], original.tokenizer_config["chat_template"]) << c.pre;
    EXPECT_EQ(tc["eos_token"], "<|endoftext|>") << c.pre;
    if (std::string(c.arch) == "llama") {
      EXPECT_EQ(tc["bos_token"], "<|begin_of_text|>");
    }
  }
}

// The file offset of tensor `name`'s ggml type in the header: after its name (u64 length + bytes),
// n_dims (u32) and ne (n_dims x u64).
size_t type_offset(const std::string& bytes, const std::string& name) {
  std::string key(8, '\0');
  for (int i = 0; i < 8; ++i) key[i] = static_cast<char>((name.size() >> (8 * i)) & 0xff);
  key += name;
  const size_t at = bytes.find(key);
  EXPECT_NE(at, std::string::npos) << name;
  const size_t dims_at = at + key.size();
  const uint32_t n_dims = static_cast<uint8_t>(bytes[dims_at]);
  return dims_at + 4 + 8 * n_dims;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no r1::Error";
  return "";
}

TEST(GgufLoad, MalformedFilesAreErrorsNamingTheFileAndTheTensorOrKey) {
  ScratchDir dir;
  TinyCheckpoint o;
  r1::io::testing::write_tiny_checkpoint(dir / "ck", o);
  const std::string gguf = dir / "m.gguf";
  export_gguf_cli(dir / "ck", gguf, "--type q8_0");
  const std::string bytes = r1::io::testing::read_bytes(gguf);

  const std::string truncated = dir / "truncated.gguf";
  r1::io::testing::write_bytes(truncated, bytes.substr(0, bytes.size() * 2 / 3));
  std::string e = error_of([&] { load_for_inference(truncated, InferenceLoad{}); });
  EXPECT_NE(e.find(truncated), std::string::npos) << e;
  EXPECT_NE(e.find("tensor '"), std::string::npos) << e;

  std::string patched = bytes;
  patched[type_offset(bytes, "blk.1.ffn_up.weight")] = 12;  // Q4_K: a type r1cpp does not read
  const std::string unknown = dir / "unknown.gguf";
  r1::io::testing::write_bytes(unknown, patched);
  e = error_of([&] { load_for_inference(unknown, InferenceLoad{}); });
  EXPECT_NE(e.find(unknown), std::string::npos) << e;
  EXPECT_NE(e.find("blk.1.ffn_up.weight"), std::string::npos) << e;
  EXPECT_NE(e.find("12"), std::string::npos) << e;

  // No tokenizer at all, or one that is not byte-level BPE.
  Header none;
  e = error_of([&] { tokenizer_json_of(none, "bare.gguf"); });
  EXPECT_NE(e.find("bare.gguf: key tokenizer.ggml.model"), std::string::npos) << e;
  EXPECT_NE(e.find("--tokenizer"), std::string::npos) << e;
  Header spm;
  spm.metadata.emplace_back("tokenizer.ggml.model", Value::string("llama"));
  e = error_of([&] { tokenizer_json_of(spm, "spm.gguf"); });
  EXPECT_NE(e.find("spm.gguf: key tokenizer.ggml.model"), std::string::npos) << e;
  EXPECT_NE(e.find("'llama'"), std::string::npos) << e;

  // A pre-tokenizer known to llama.cpp by name only: the error says what to pass, and --tokenizer
  // then loads it.
  const std::string other_pre = dir / "pre.gguf";
  export_gguf_cli(dir / "ck", other_pre, "--type q8_0 --pre_tokenizer default");
  e = error_of([&] { load_for_inference(other_pre, InferenceLoad{}); });
  EXPECT_NE(e.find(other_pre), std::string::npos) << e;
  EXPECT_NE(e.find("tokenizer.ggml.pre"), std::string::npos) << e;
  EXPECT_NE(e.find("--tokenizer"), std::string::npos) << e;
  const auto r = r1::test::run_r1("generate --model " + other_pre + " --prompt 'The dog' --max_new_tokens 3");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--tokenizer"), std::string::npos) << r.output;
  InferenceLoad with_tok;
  with_tok.tokenizer = dir / "ck/tokenizer.json";
  const auto loaded = load_for_inference(other_pre, with_tok);
  ASSERT_TRUE(loaded.tokenizer.has_value());
  EXPECT_EQ(loaded.tokenizer->encode("The dog sleeps"), load_model_dir(dir / "ck").tokenizer->encode("The dog sleeps"));
  EXPECT_EQ(greedy_text(other_pre, "--tokenizer " + (dir / "ck/tokenizer.json")), greedy_text(gguf, ""));
}

TEST(GgufLoad, ExportOfAQuantizedCheckpointWritesItsBlocksBitForBit) {
  for (const char* arch : {"qwen2", "llama"})
    for (const char* quant : {"int8", "int4"}) {
      ScratchDir dir;
      const std::string what = std::string(arch) + " " + quant;
      TinyCheckpoint o;
      o.arch = arch;
      o.tie = std::string(arch) == "qwen2";
      o.pre_tokenizer = o.tie ? text::PreTokenizerKind::Qwen2 : text::PreTokenizerKind::Llama3;
      r1::io::testing::write_tiny_checkpoint(dir / "ck", o);
      export_gguf_cli(dir / "ck", dir / "qck", std::string("--format safetensors --quant ") + quant);
      const std::string gguf = dir / "q.gguf";
      export_gguf_cli(dir / "qck", gguf, "");

      // Every stored projection's blocks, read back from the GGUF (import undoes llama's q/k row
      // permutation), equal the checkpoint's.
      const TensorMap stored = load_safetensors(dir / "qck");
      const auto get = [&](const std::string& n) { return stored.count(n) ? stored.at(n) : at::Tensor(); };
      ImportOptions keep;
      keep.dequantize = false;
      const ImportedCheckpoint back = import_gguf(gguf, keep);
      int blocks = 0;
      for (const auto& [name, t] : stored) {
        if (name.size() < 13 || name.compare(name.size() - 13, 13, ".weight_scale") != 0) continue;
        const std::string layer = name.substr(0, name.size() - 13);
        const auto type = layer == "lm_head" || std::string(quant) == "int8" ? kernels::QuantType::q8_0 : kernels::QuantType::q4_0;
        const auto want = blocks_from_stored(type, get, layer);
        ASSERT_TRUE(back.quantized.count(layer + ".weight")) << what << ": " << layer;
        const auto& got = back.quantized.at(layer + ".weight");
        EXPECT_EQ(got.type, type) << what << ": " << layer;
        EXPECT_TRUE(torch::equal(got.blocks, want)) << what << ": " << layer;
        ++blocks;
      }
      EXPECT_EQ(blocks, 2 * 7 + 1) << what;
      EXPECT_TRUE(torch::equal(back.tensors.at("model.embed_tokens.weight"), stored.at("model.embed_tokens.weight"))) << what;
      EXPECT_EQ(back.tensors.at("model.embed_tokens.weight").scalar_type(), torch::kBFloat16) << what;
      const GgufFile f(gguf);
      EXPECT_EQ(f.header().at("general.file_type", gguf).as_int("file_type"), std::string(quant) == "int8" ? 7 : 2) << what;

      // The GGUF loads into the model the quantized checkpoint loads into.
      InferenceLoad q;
      q.quant = std::string(quant) == "int8" ? WeightQuant::int8 : WeightQuant::int4;
      auto a = load_for_inference(dir / "qck", q), b = load_for_inference(gguf, InferenceLoad{});
      expect_same_model(*a.model, *b.model, what);
      // And back: the GGUF as a quantized checkpoint again is the same model.
      export_gguf_cli(gguf, dir / "qck2", std::string("--format safetensors --quant ") + quant);
      auto c = load_for_inference(dir / "qck2", q);
      expect_same_model(*a.model, *c.model, what + " (GGUF -> quantized checkpoint)");

      // Another --type would round twice.
      const auto r = r1::test::run_r1("export --model " + (dir / "qck") + " --out " + (dir / "x.gguf") + " --type " +
                                      (std::string(quant) == "int8" ? "q4_0" : "q8_0"));
      EXPECT_NE(r.status, 0) << what;
      EXPECT_NE(r.output.find("bit for bit"), std::string::npos) << r.output;
    }
}

json inspect_json(const std::string& path) {
  const auto r = r1::test::run_r1("inspect " + path + " --json");
  EXPECT_EQ(r.status, 0) << r.output;
  return json::parse(r.output.substr(r.output.find('{')));
}

TEST(GgufLoad, InspectCountsQuantizedCheckpointsAndGgufsAsTheOriginalModel) {
  for (bool tie : {true, false}) {
    ScratchDir dir;
    TinyCheckpoint o;
    o.tie = tie;
    r1::io::testing::write_tiny_checkpoint(dir / "ck", o);
    const json original = inspect_json(dir / "ck");
    const int64_t params = parameter_count(*load_model_dir(dir / "ck").model);
    EXPECT_EQ(original["parameters"], params);
    for (const char* quant : {"int8", "int4"}) {
      const std::string what = std::string(tie ? "tied " : "untied ") + quant;
      export_gguf_cli(dir / "ck", dir / "qck", std::string("--format safetensors --quant ") + quant);
      const json q = inspect_json(dir / "qck");
      EXPECT_EQ(q["parameters"], params) << what;
      EXPECT_EQ(q["weight_memory"], original["weight_memory"]) << what;
      export_gguf_cli(dir / "qck", dir / "q.gguf", "");
      const json g = inspect_json(dir / "q.gguf");
      // The GGUF of a tied quantized checkpoint holds the table and the head apart (untied).
      EXPECT_EQ(g["parameters"], params + (tie ? o.hidden * g["architecture"]["vocab_size"].get<int64_t>() : 0)) << what;
      EXPECT_EQ(g["stored_quant"], quant) << what;
      fs::remove_all(dir / "qck");
    }
    for (const char* type : {"q8_0", "q4_0"}) {
      if (!tie) break;  // a GGUF of the checkpoint itself: the tied case is enough
      export_gguf_cli(dir / "ck", dir / "m.gguf", std::string("--type ") + type);
      const json g = inspect_json(dir / "m.gguf");
      EXPECT_EQ(g["parameters"], params) << type;
      EXPECT_EQ(g["architecture"], original["architecture"]) << type;
      EXPECT_EQ(g["weight_memory"]["int8"], original["weight_memory"]["int8"]) << type;
      EXPECT_TRUE(g["weight_memory"].contains("as_stored")) << type;
      EXPECT_EQ(g["stored_quant"], std::string(type) == "q8_0" ? "int8" : "int4") << type;
      EXPECT_NE(g["tokenizer"].get<std::string>().find("qwen2"), std::string::npos) << g["tokenizer"];
    }
  }
}

}  // namespace
}  // namespace r1::io::gguf
