#include "io/gguf_load.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/error.h"
#include "io/checkpoint.h"
#include "io/gguf_import.h"
#include "io/gguf_rows.h"
#include "io/gguf_tokenizer.h"
#include "io/hf_config.h"

namespace r1::io::gguf {
namespace {

using kernels::QuantType;

const std::string kEmbed = "model.embed_tokens.weight";

std::string quant_name(WeightQuant q) { return schema::detail::value_to_json(q).get<std::string>(); }

// The types of the quantizable matrices (input width whole blocks): every block matrix, and the
// head — output.weight, or token_embd when there is none (tied).
struct StoredTypes {
  std::set<TensorType> body;
  std::optional<TensorType> head;
};
StoredTypes stored_types(const Header& h) {
  StoredTypes s;
  const bool tied = h.tensor("output.weight") == nullptr;
  for (const TensorInfo& t : h.tensors) {
    if (t.ne.size() != 2 || t.ne[0] % kernels::kQuantBlock != 0) continue;
    if (t.name == "output.weight" || (tied && t.name == "token_embd.weight"))
      s.head = t.type;
    else if (t.name.rfind("blk.", 0) == 0)
      s.body.insert(t.type);
  }
  return s;
}

// A quantized tensor's values in `dtype`, dequantized a few MB of rows at a time: a bf16 table
// never passes through a whole fp32 copy (0.5 GB for Qwen2.5-0.5B's, 2.2 GB for 7B's).
at::Tensor dequantized(const GgufFile& f, const std::string& name, at::ScalarType dtype) {
  const TensorInfo& t = f.info(name);
  const int64_t cols = t.ne.empty() ? 1 : t.ne[0], rows = cols == 0 ? 0 : t.numel() / cols;
  const uint64_t row_bytes = tensor_bytes(t.type, {cols}, f.path() + ": tensor '" + name + "'");
  at::Tensor out = at::empty(t.shape(), at::TensorOptions().dtype(dtype));
  const at::Tensor rows2 = out.view({rows, cols});
  const int64_t chunk = std::max<int64_t>(1, (int64_t{4} << 20) / std::max<int64_t>(1, cols * 4));
  at::Tensor buf = at::empty({std::min(chunk, rows), cols}, at::kFloat);
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t n = std::min(chunk, rows - r0);
    float* b = buf.data_ptr<float>();
    for (int64_t r = 0; r < n; ++r) decode_row(t.type, f.bytes(t) + (r0 + r) * row_bytes, cols, b + r * cols);
    rows2.narrow(0, r0, n).copy_(buf.narrow(0, 0, n));
  }
  return out;
}

}  // namespace

bool is_gguf_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  uint32_t magic = 0;
  in.read(reinterpret_cast<char*>(&magic), sizeof magic);
  return in.gcount() == sizeof magic && magic == kMagic;
}

std::optional<WeightQuant> stored_weight_quant(const Header& h) {
  const StoredTypes s = stored_types(h);
  bool any = s.head && quant_type_of(*s.head);
  for (TensorType t : s.body) any = any || quant_type_of(t).has_value();
  if (!any) return WeightQuant::none;
  const std::set<TensorType> q8 = {TensorType::q8_0}, q4 = {TensorType::q4_0};
  if (s.head == TensorType::q8_0 && (s.body.empty() || s.body == q8)) return WeightQuant::int8;
  if (s.head == TensorType::q8_0 && s.body == q4) return WeightQuant::int4;
  return std::nullopt;
}

LoadedModel load_gguf_for_inference(const std::string& path, const InferenceLoad& opt, const torch::Device& device,
                                    model::QuantizeReport* report) {
  ImportOptions io;
  io.dequantize = false;
  ImportedCheckpoint ck = import_gguf(path, io);
  const Header& h = ck.file->header();
  const model::ModelConfig config = config_from_hf(ck.config, path + " (config rebuilt from its metadata)");

  LoadedModel out;
  // The tokenizer first: a file r1cpp cannot tokenize fails before the weights are read.
  if (opt.tokenizer.empty())
    out.tokenizer = text::Tokenizer::from_json(tokenizer_json_of(h, path), path + " (tokenizer rebuilt from its metadata)");
  out.tokenizer_config = tokenizer_config_of(h);

  const std::optional<WeightQuant> stored = stored_weight_quant(h);
  const bool as_stored = stored != WeightQuant::none;
  if (as_stored && opt.quant != WeightQuant::none) {
    const std::string holds = stored ? "the blocks of --quant " + quant_name(*stored) : std::string("a mix of block formats");
    check(stored == opt.quant, path,
          "holds " + holds + ", not --quant " + quant_name(opt.quant) +
              " (re-quantizing blocks would round twice): drop --quant to run them as stored");
  }
  // A quantized token_embd (the lookup table) is dequantized — to bf16 when a quantized head makes
  // the table bf16 anyway (model/quantize_model.h); its blocks stay for a tied head.
  if (ck.quantized.count(kEmbed)) {
    const auto head = stored_types(h).head;
    const bool bf16 = as_stored && head && quant_type_of(*head);
    ck.tensors[kEmbed] = dequantized(*ck.file, "token_embd.weight", bf16 ? at::kBFloat16 : at::kFloat);
  }

  if (!as_stored && opt.quant == WeightQuant::none) {
    out.model = model::CausalLM(config);
    out.model->to(device, at::kFloat);
    load_into(*out.model, ck.tensors, /*strict=*/true, config.tie_word_embeddings);
    return out;
  }
  check(device.is_cpu(), path, "quantized weights run on the CPU (on CUDA bf16 stays the default)");
  InferenceLoad q_opt = opt;
  if (as_stored) q_opt.quant = stored.value_or(WeightQuant::int8);  // the type asked for is ignored: blocks come as stored
  model::QuantizeOptions q = quantize_options(q_opt);
  q.quantize_unquantized = !as_stored;

  const auto release = [&](const std::string& hf) {
    auto g = ck.gguf_name.find(hf);
    if (g != ck.gguf_name.end()) ck.file->release(g->second);
  };
  StoredBlockLookup lookup;
  if (as_stored) {
    lookup = [&](const std::string& layer, QuantType) {
      model::StoredBlocks b;
      const bool tied_head = layer == "lm_head" && config.tie_word_embeddings;
      const std::string name = tied_head ? kEmbed : layer + ".weight";
      auto it = ck.quantized.find(name);
      if (it == ck.quantized.end()) return b;
      b.type = it->second.type;
      b.data = it->second.blocks;
      // The tied head shares token_embd with the table, which releases it.
      if (!tied_head) b.tensors.push_back(name);
      return b;
    };
  }
  // The projections' blocks leave `ck.quantized` as the layers copy them (lookup's names are
  // released through `release`); the float tensors go to the loader.
  TensorMap tensors = std::move(ck.tensors);
  out.model = quantized_model(config, std::move(tensors), q, path, report,
                              [&](const std::string& hf) {
                                release(hf);
                                if (hf != kEmbed) ck.quantized.erase(hf);
                              },
                              lookup);
  return out;  // ck goes out of scope: the file is unmapped
}

}  // namespace r1::io::gguf
