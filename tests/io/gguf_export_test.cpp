// `r1 export --format gguf` and io/gguf_import.h on tiny Qwen2 and Llama checkpoints: the metadata
// convert_hf_to_gguf.py writes (checked key by key against the checkpoint's config.json and
// tokenizer.json), tensor names and types, Llama's rotary permutation (checked against its formula),
// quantized bytes equal to quantizing the checkpoint's rows, and export -> import giving back the
// checkpoint bit for bit at f32.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

#include "common/cli.h"
#include "core/error.h"
#include "core/files.h"
#include "io/checkpoint.h"
#include "io/gguf_export.h"
#include "io/gguf_file.h"
#include "io/gguf_import.h"
#include "io/gguf_names.h"
#include "io/gguf_rows.h"
#include "io/gguf_test_util.h"
#include "io/gguf_vocab.h"
#include "io/io_test_util.h"

namespace r1::io::gguf {
namespace {

using json = nlohmann::json;
using r1::io::testing::ScratchDir;
using r1::io::testing::TinyCheckpoint;

json read_json(const std::string& p) { return json::parse(read_file(p)); }

TEST(GgufExport, Qwen2MetadataIsWhatConvertHfToGgufWrites) {
  ScratchDir dir;
  const std::string ck = dir / "tiny-qwen";
  r1::io::testing::write_tiny_checkpoint(ck, {});
  const auto r = r1::test::run_r1("export --model " + ck + " --out " + (dir / "m.gguf") + " --format gguf --type f32");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("qwen2, 26 tensors (26 F32)"), std::string::npos) << r.output;

  const json cfg = read_json(ck + "/config.json"), tok = read_json(ck + "/tokenizer.json");
  const GgufFile f(dir / "m.gguf");
  const Header& h = f.header();
  auto str = [&](const char* k) { return h.at(k, f.path()).as_string(k); };
  auto num = [&](const char* k) { return h.at(k, f.path()).as_double(k); };
  auto u32 = [&](const char* k) {
    EXPECT_EQ(h.at(k, f.path()).type(), ValueType::u32) << k;
    return h.at(k, f.path()).as_int(k);
  };
  EXPECT_EQ(h.metadata.front().first, "general.architecture");
  EXPECT_EQ(str("general.architecture"), "qwen2");
  EXPECT_EQ(str("general.name"), "tiny-qwen");
  EXPECT_EQ(u32("general.file_type"), 0);
  EXPECT_EQ(u32("general.quantization_version"), 2);
  EXPECT_EQ(u32("qwen2.block_count"), cfg["num_hidden_layers"]);
  EXPECT_EQ(u32("qwen2.context_length"), cfg["max_position_embeddings"]);
  EXPECT_EQ(u32("qwen2.embedding_length"), cfg["hidden_size"]);
  EXPECT_EQ(u32("qwen2.feed_forward_length"), cfg["intermediate_size"]);
  EXPECT_EQ(u32("qwen2.attention.head_count"), cfg["num_attention_heads"]);
  EXPECT_EQ(u32("qwen2.attention.head_count_kv"), cfg["num_key_value_heads"]);
  EXPECT_EQ(h.at("qwen2.rope.freq_base", f.path()).type(), ValueType::f32);
  EXPECT_FLOAT_EQ(static_cast<float>(num("qwen2.rope.freq_base")), cfg["rope_theta"].get<float>());
  EXPECT_FLOAT_EQ(static_cast<float>(num("qwen2.attention.layer_norm_rms_epsilon")), cfg["rms_norm_eps"].get<float>());
  EXPECT_EQ(h.find("qwen2.vocab_size"), nullptr);  // written for llama only, as convert_hf_to_gguf.py does

  EXPECT_EQ(str("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(str("tokenizer.ggml.pre"), "qwen2");
  const auto& tokens = h.at("tokenizer.ggml.tokens", f.path()).string_items();
  const auto types = h.at("tokenizer.ggml.token_type", f.path()).as_ints("token_type");
  ASSERT_EQ(static_cast<int64_t>(tokens.size()), cfg["vocab_size"].get<int64_t>());
  for (const auto& [text, id] : tok["model"]["vocab"].items()) {
    EXPECT_EQ(tokens[id.get<size_t>()], text);
    EXPECT_EQ(types[id.get<size_t>()], 1) << text;
  }
  for (const auto& a : tok["added_tokens"]) {
    EXPECT_EQ(tokens[a["id"].get<size_t>()], a["content"].get<std::string>());
    EXPECT_EQ(types[a["id"].get<size_t>()], a["special"].get<bool>() ? 3 : 4) << a["content"];
  }
  const auto& merges = h.at("tokenizer.ggml.merges", f.path()).string_items();
  ASSERT_EQ(merges.size(), tok["model"]["merges"].size());
  EXPECT_EQ(merges[0], tok["model"]["merges"][0][0].get<std::string>() + " " + tok["model"]["merges"][0][1].get<std::string>());
  EXPECT_EQ(u32("tokenizer.ggml.eos_token_id"), cfg["eos_token_id"]);
  EXPECT_EQ(u32("tokenizer.ggml.padding_token_id"), cfg["eos_token_id"]);
  EXPECT_EQ(h.find("tokenizer.ggml.bos_token_id"), nullptr);  // Qwen2 has none
  EXPECT_FALSE(h.at("tokenizer.ggml.add_bos_token", f.path()).as_bool("add_bos"));  // ByteLevel post-processor
  EXPECT_EQ(str("tokenizer.chat_template"), read_json(ck + "/tokenizer_config.json")["chat_template"]);

  // Tensors: llama.cpp's names and order; tied: no output.weight; 1-D and norms are F32.
  std::vector<std::string> names;
  for (const auto& t : h.tensors) names.push_back(t.name);
  EXPECT_EQ(names.front(), "token_embd.weight");
  EXPECT_EQ(names[1], "blk.0.attn_norm.weight");
  EXPECT_EQ(names[2], "blk.0.attn_q.weight");
  EXPECT_EQ(names[3], "blk.0.attn_q.bias");
  EXPECT_EQ(names.back(), "output_norm.weight");
  EXPECT_EQ(h.tensor("output.weight"), nullptr);
  EXPECT_EQ(h.tensor("token_embd.weight")->ne, (std::vector<int64_t>{64, cfg["vocab_size"].get<int64_t>()}));
}

TEST(GgufExport, ExportThenImportGivesBackTheCheckpointBitForBit) {
  for (const char* arch : {"qwen2", "llama"}) {
    ScratchDir dir;
    const std::string ck = dir / "ck";
    TinyCheckpoint o;
    o.arch = arch;
    o.tie = std::string(arch) == "qwen2";
    o.pre_tokenizer = std::string(arch) == "qwen2" ? text::PreTokenizerKind::Qwen2 : text::PreTokenizerKind::Llama3;
    r1::io::testing::write_tiny_checkpoint(ck, o);
    ExportOptions opt;
    opt.type = "f32";
    export_gguf(ck, dir / "m.gguf", opt);
    const Checkpoint original = load_checkpoint_tensors(ck);
    const ImportedCheckpoint back = import_gguf(dir / "m.gguf");
    ASSERT_EQ(back.tensors.size(), original.tensors.size()) << arch;
    for (const auto& [name, t] : original.tensors) {
      ASSERT_TRUE(back.tensors.count(name)) << arch << " " << name;
      EXPECT_TRUE(torch::equal(back.tensors.at(name), t)) << arch << " " << name;
    }
    const json cfg = read_json(ck + "/config.json");
    for (const char* k : {"model_type", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                          "num_attention_heads", "num_key_value_heads", "max_position_embeddings", "rms_norm_eps",
                          "rope_theta", "tie_word_embeddings", "eos_token_id"})
      EXPECT_EQ(back.config[k], cfg[k]) << arch << " " << k;
    // config.json leaves Qwen2's (always true) attention_bias out.
    EXPECT_EQ(back.config["attention_bias"], cfg.value("attention_bias", std::string(arch) == "qwen2")) << arch;
    if (std::string(arch) == "llama") {
      EXPECT_EQ(back.config["bos_token_id"], cfg["bos_token_id"]);
      // The permutation itself, against convert_hf_to_gguf.py's formula: GGUF row h*D + 2i + j holds
      // HF row h*D + j*D/2 + i (D = head_dim).
      const GgufFile f(dir / "m.gguf");
      const at::Tensor q = f.tensor("blk.1.attn_q.weight"), k = f.tensor("blk.1.attn_k.weight");
      const at::Tensor hq = original.tensors.at("model.layers.1.self_attn.q_proj.weight");
      const at::Tensor hk = original.tensors.at("model.layers.1.self_attn.k_proj.weight");
      const int64_t D = 16;
      for (int64_t h = 0; h < 4; ++h)
        for (int64_t i = 0; i < D / 2; ++i)
          for (int64_t j = 0; j < 2; ++j) {
            EXPECT_TRUE(torch::equal(q[h * D + 2 * i + j], hq[h * D + j * D / 2 + i]));
            if (h < 2) EXPECT_TRUE(torch::equal(k[h * D + 2 * i + j], hk[h * D + j * D / 2 + i]));
          }
      EXPECT_EQ(f.header().at("llama.vocab_size", f.path()).as_int("k"), cfg["vocab_size"]);
      EXPECT_EQ(f.header().at("llama.rope.dimension_count", f.path()).as_int("k"), D);
      EXPECT_EQ(f.header().at("tokenizer.ggml.pre", f.path()).as_string("k"), "llama-bpe");
      EXPECT_TRUE(f.header().at("tokenizer.ggml.add_bos_token", f.path()).as_bool("k"));
      EXPECT_NE(f.header().tensor("output.weight"), nullptr);  // untied
    }
  }
}

TEST(GgufExport, QuantizedTypesQuantizeTheCheckpointRowsAsGgmlDoes) {
  ScratchDir dir;
  const std::string ck = dir / "ck";
  TinyCheckpoint o;
  o.tie = false;
  r1::io::testing::write_tiny_checkpoint(ck, o);
  const Checkpoint original = load_checkpoint_tensors(ck);
  for (const char* type : {"q8_0", "q4_0", "q4_1", "f16", "bf16"}) {
    ExportOptions opt;
    opt.type = type;
    export_gguf(ck, dir / "m.gguf", opt);
    const GgufFile f(dir / "m.gguf");
    for (const auto& t : f.header().tensors) {
      const std::string hf = hf_tensor_name(t.name);
      const at::Tensor src = original.tensors.at(hf).to(at::kFloat).contiguous();
      TensorType expected = TensorType::f32;
      if (src.dim() == 2 && t.name.find("norm") == std::string::npos) {
        expected = t.name == "output.weight" && type[0] == 'q' && type[1] == '4' ? TensorType::q8_0
                   : std::string(type) == "q8_0"                                ? TensorType::q8_0
                   : std::string(type) == "q4_0"                                ? TensorType::q4_0
                   : std::string(type) == "q4_1"                                ? TensorType::q4_1
                   : std::string(type) == "f16"                                 ? TensorType::f16
                                                                                : TensorType::bf16;
      }
      ASSERT_EQ(t.type, expected) << type << " " << t.name;
      const int64_t cols = src.size(-1), rows = src.numel() / cols;
      std::vector<uint8_t> row(tensor_bytes(t.type, {cols}, t.name));
      for (int64_t r = 0; r < rows; ++r) {
        encode_row(t.type, src.data_ptr<float>() + r * cols, cols, row.data());
        ASSERT_EQ(std::memcmp(f.bytes(t) + r * row.size(), row.data(), row.size()), 0) << type << " " << t.name << " row " << r;
      }
    }
    EXPECT_EQ(f.header().at("general.file_type", f.path()).as_int("k"),
              std::string(type) == "q8_0" ? 7 : std::string(type) == "q4_0" ? 2 : std::string(type) == "q4_1" ? 3
                                                                         : std::string(type) == "f16" ? 1 : 32);
  }
}

TEST(GgufExport, RowsThatAreNotWholeBlocksFallBackToF16) {
  ScratchDir dir;
  TinyCheckpoint o;
  o.hidden = 48;  // 48 is not a multiple of 32: every matrix with 48 columns stays F16
  o.heads = 4;
  o.kv_heads = 2;
  r1::io::testing::write_tiny_checkpoint(dir / "ck", o);
  ExportOptions opt;
  opt.type = "q8_0";
  export_gguf(dir / "ck", dir / "m.gguf", opt);
  const GgufFile f(dir / "m.gguf");
  EXPECT_EQ(f.info("blk.0.attn_q.weight").type, TensorType::f16);
  EXPECT_EQ(f.info("blk.0.ffn_down.weight").type, TensorType::q8_0);  // 128 columns
}

TEST(GgufExport, PreTokenizerNamesFollowTheRegex) {
  const text::Tokenizer gpt2 = text::train_bpe(r1::io::testing::tiny_corpus(), [] {
    text::BpeTrainerConfig c;
    c.num_merges = 10;
    c.pre_tokenizer = text::PreTokenizerKind::Gpt2ByteLevel;
    return c;
  }());
  EXPECT_EQ(llama_pre_tokenizer_name(gpt2.to_json()), "gpt-2");
  json custom = {{"pre_tokenizer", {{"type", "Split"}, {"pattern", {{"Regex", "\\w+"}}}}}};
  EXPECT_EQ(llama_pre_tokenizer_name(custom), "");
}

TEST(GgufExport, ErrorsNameTheOptionFileOrTensor) {
  ScratchDir dir;
  const std::string ck = dir / "ck";
  r1::io::testing::write_tiny_checkpoint(ck, {});
  auto r = r1::test::run_r1("export --model " + ck + " --out " + (dir / "m.gguf") + " --type q5_k");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("type: must be one of auto, f32, f16, bf16, q8_0, q4_0, q4_1; got \"q5_k\""), std::string::npos) << r.output;
  r = r1::test::run_r1("export --model " + ck + " --out " + (dir / "m.onnx") + " --format onnx");
  EXPECT_NE(r.output.find("format: must be one of gguf, safetensors; got \"onnx\""), std::string::npos) << r.output;
  r = r1::test::run_r1("export --out " + (dir / "m.gguf"));
  EXPECT_NE(r.output.find("model: is required"), std::string::npos) << r.output;

  // An unknown pre-tokenizer regex: an error that says how to name it.
  json tok = read_json(ck + "/tokenizer.json");
  tok["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\w+|\\s+";
  write_file_atomic(ck + "/tokenizer.json", tok.dump());
  r = r1::test::run_r1("export --model " + ck + " --out " + (dir / "m.gguf"));
  EXPECT_NE(r.output.find("pass --pre_tokenizer NAME"), std::string::npos) << r.output;
  r = r1::test::run_r1("export --model " + ck + " --out " + (dir / "m.gguf") + " --pre_tokenizer default");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(GgufFile(dir / "m.gguf").header().at("tokenizer.ggml.pre", "").as_string("k"), "default");

  // A tensor with no GGUF name.
  json cfg = read_json(ck + "/config.json");
  cfg["model_type"] = "gemma";
  write_file_atomic(ck + "/config.json", cfg.dump());
  r = r1::test::run_r1("export --model " + ck + " --out " + (dir / "m.gguf"));
  EXPECT_NE(r.output.find("field model_type: 'gemma': GGUF export supports qwen2 and llama"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace r1::io::gguf
