// r1 perplexity: perplexity of a checkpoint over text, and with --kl_divergence the divergence of a
// quantized load (--quant) from the fp32 model — llama.cpp's `llama-perplexity` and its
// `--kl-divergence`, computed by eval/perplexity.h.
#include <cstdio>
#include <fstream>
#include <string>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/files.h"
#include "eval/perplexity.h"
#include "io/gguf_file.h"
#include "io/gguf_load.h"
#include "io/inference_load.h"
#include "pipeline/world.h"

namespace {

using nlohmann::json;

struct PerplexityCommand {
  std::string model;
  std::string texts;
  std::string field = "text";
  std::string heldout_of;
  int64_t max_texts = 0;
  bool kl_divergence = false;
  std::string out;
  r1::io::InferenceLoad load;
};

template <class V>
void visit_fields(V& v, PerplexityCommand& c) {
  using namespace r1::schema;
  v.field("model", c.model, "checkpoint directory (config.json, safetensors, tokenizer.json) or a .gguf file", kRequired);
  v.field("texts", c.texts,
          "text to score: a .jsonl file (one document per line, under --field), or any other file as one text "
          "cut into context-sized windows");
  v.field("field", c.field, "the key of each .jsonl line that holds its text");
  v.field("heldout_of", c.heldout_of,
          "an R1-Zero run's config.json (r1 demo / grpo): score that run's held-out problems written as its "
          "pretraining documents (prompt + reference solution), text it never trained on; instead of --texts");
  v.field("max_texts", c.max_texts, "score only the first N documents or windows; 0 = all", at_least(0));
  v.field("kl_divergence", c.kl_divergence,
          "also load the model in fp32 and report KL(fp32 || --quant's model) of the next-token distributions, "
          "the perplexity of both and how often their top tokens agree");
  v.field("out", c.out, "write the figures as JSON to this file too; \"\" = stdout only", kNotResult);
  visit_fields(v, c.load);
  v.require(c.texts.empty() != c.heldout_of.empty(), "texts", "give either --texts or --heldout_of (one of them)");
  v.require(!c.kl_divergence || c.load.quant != r1::io::WeightQuant::none, "kl_divergence",
            "compares a quantized load with fp32: give --quant int8 or int4");
}

const r1::cli::CommandSpec kSpec{
    "perplexity", "--model DIR (--texts FILE | --heldout_of RUN/config.json) [--quant int8|int4 --kl_divergence]",
    "Scores every next token of the texts (teacher-forced, one full forward per sequence) and prints the\n"
    "perplexity. Each document is framed as pretraining frames it: BOS, its tokens, EOS (where the model\n"
    "has them), cut to the context. With --kl_divergence it also loads the fp32 model and prints, as\n"
    "llama.cpp's llama-perplexity --kl-divergence does, the mean KL(fp32 || quantized) in nats per token\n"
    "with its standard error, median, 99th percentile and maximum, both perplexities and the share of\n"
    "positions whose most likely token agrees. The last line is the figures as JSON.",
    {}};

// Token sequences of the texts: documents framed by BOS/EOS and cut to `context`, or one text cut
// into windows of `context` tokens.
std::vector<std::vector<int64_t>> sequences_of(const PerplexityCommand& c, const r1::text::Tokenizer& tok,
                                               const r1::model::ModelConfig& mc) {
  const int64_t context = mc.max_position_embeddings;
  std::vector<std::vector<int64_t>> out;
  auto full = [&] { return c.max_texts > 0 && static_cast<int64_t>(out.size()) >= c.max_texts; };
  auto add_document = [&](const std::string& text) {
    std::vector<int64_t> ids;
    if (mc.bos_token_id >= 0) ids.push_back(mc.bos_token_id);
    for (auto t : tok.encode(text, false)) ids.push_back(t);
    if (mc.eos_token_id >= 0) ids.push_back(mc.eos_token_id);
    if (static_cast<int64_t>(ids.size()) > context) ids.resize(context);
    if (ids.size() >= 2) out.push_back(std::move(ids));
  };
  if (!c.heldout_of.empty()) {
    for (const auto& d : r1::pipeline::heldout_documents(r1::pipeline::read_r1zero_config(c.heldout_of))) {
      if (full()) break;
      add_document(d);
    }
  } else if (c.texts.size() > 6 && c.texts.compare(c.texts.size() - 6, 6, ".jsonl") == 0) {
    std::ifstream in(c.texts);
    r1::check(in.good(), c.texts, "cannot be opened");
    int64_t line_no = 0;
    for (std::string line; !full() && std::getline(in, line);) {
      ++line_no;
      if (line.empty()) continue;
      const std::string where = c.texts + ":" + std::to_string(line_no);
      const json j = json::parse(line, nullptr, false);
      r1::check(!j.is_discarded() && j.is_object(), where, "is not a JSON object");
      r1::check(j.contains(c.field) && j[c.field].is_string(), where, "has no string under key \"" + c.field + "\" (--field)");
      add_document(j[c.field].get<std::string>());
    }
  } else {
    const auto ids = tok.encode(r1::read_file(c.texts), false);
    for (size_t i = 0; i + 1 < ids.size() && !full(); i += context)
      out.emplace_back(ids.begin() + i, ids.begin() + std::min(ids.size(), i + context));
    if (!out.empty() && out.back().size() < 2) out.pop_back();
  }
  r1::check(!out.empty(), c.heldout_of.empty() ? c.texts : c.heldout_of, "holds no text of 2 tokens or more to score");
  return out;
}

int run(PerplexityCommand& c) {
  auto test = r1::io::load_for_inference(c.model, c.load);
  r1::check(test.tokenizer.has_value(), c.model, "has no tokenizer.json");
  const auto seqs = sequences_of(c, *test.tokenizer, test.model->config());
  const std::string quant = r1::schema::detail::value_to_json(c.load.quant).get<std::string>();
  json res;
  if (!c.kl_divergence) {
    const auto r = r1::eval::perplexity(*test.model, seqs);
    std::printf("%lld sequences, %lld tokens scored (%s)\nperplexity: %.4f\n", static_cast<long long>(r.sequences),
                static_cast<long long>(r.tokens), quant.c_str(), r.perplexity());
    res = {{"quant", quant}, {"sequences", r.sequences}, {"tokens", r.tokens}, {"perplexity", r.perplexity()}};
  } else {
    // The base is the model in fp32: a GGUF of quantized blocks has none (it would load as stored).
    if (r1::io::gguf::is_gguf_file(c.model))
      r1::check(r1::io::gguf::stored_weight_quant(r1::io::gguf::GgufFile(c.model).header()) == r1::io::WeightQuant::none,
                c.model, "holds quantized blocks, so there is no fp32 model to compare with: run --kl_divergence on the "
                "original checkpoint (or an f32/f16 GGUF of it) with --quant");
    auto base = r1::io::load_for_inference(c.model, r1::io::InferenceLoad{});
    const auto r = r1::eval::kl_divergence(*base.model, *test.model, seqs);
    res = r.to_json();
    res["quant"] = quant;
    std::printf("%lld sequences, %lld tokens scored; base fp32, test %s\n", static_cast<long long>(r.base.sequences),
                static_cast<long long>(r.base.tokens), quant.c_str());
    std::printf("PPL(base)      %.4f\nPPL(test)      %.4f\n", r.base.perplexity(), r.test.perplexity());
    std::printf("mean KLD       %.6f ± %.6f nats\nmedian KLD     %.6f\n99%% KLD        %.6f\nmax KLD        %.6f\n",
                r.mean_kl(), r.kl_std_error(), r.kl_quantile(0.5), r.kl_quantile(0.99), r.kl_quantile(1.0));
    std::printf("same top token %.2f%%\n", 100.0 * r.same_top_rate());
  }
  std::printf("%s\n", res.dump().c_str());
  if (!c.out.empty()) r1::write_file_atomic(c.out, res.dump(2) + "\n");
  return 0;
}

r1::cli::RegisterCommand reg(kSpec, "perplexity over text; --kl_divergence: KL of a --quant load from fp32 (llama-perplexity)",
                             run);

}  // namespace
