// `r1 tokenizer train`: trains a byte-level BPE tokenizer.json (loadable by r1cpp and by Hugging
// Face / transformers.js tokenizers) from text or JSONL files.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.h"
#include "core/error.h"
#include "core/files.h"
#include "text/bpe_trainer.h"

namespace {

// Documents of one corpus file: each line (with its "\n") of a text file, or the string value of
// `field` in each record of a JSONL file.
void read_documents(const std::string& path, const std::string& jsonl_field,
                    std::vector<std::string>& docs) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw r1::Error(path, "cannot open corpus file");
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (jsonl_field.empty()) {
      docs.push_back(line + "\n");
      continue;
    }
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw r1::Error(path + ":" + std::to_string(lineno), std::string("invalid JSON: ") + e.what());
    }
    if (!j.contains(jsonl_field) || !j.at(jsonl_field).is_string())
      throw r1::Error(path + ":" + std::to_string(lineno),
                      "record has no string field \"" + jsonl_field + "\"");
    docs.push_back(j.at(jsonl_field).get<std::string>());
  }
}

int run_tokenizer(int argc, char** argv) {
  CLI::App app{"Tokenizer tools", "r1 tokenizer"};
  app.require_subcommand(1);
  auto* train = app.add_subcommand("train", "train a byte-level BPE tokenizer.json");
  std::vector<std::string> corpus_files, special, added;
  std::string out, jsonl_field, pre = "qwen2", bos;
  r1::text::BpeTrainerConfig cfg;
  bool no_nfc = false;
  train->add_option("--corpus", corpus_files, "corpus files (text: one document per line)")
      ->required()
      ->check(CLI::ExistingFile);
  train->add_option("--jsonl-field", jsonl_field,
                    "read the corpus files as JSONL and take this string field of each record");
  train->add_option("--vocab-size", cfg.vocab_size,
                    "total ids: 256 byte tokens + merges + added tokens");
  train->add_option("--num-merges", cfg.num_merges, "learn exactly this many merges instead");
  train->add_option("--min-frequency", cfg.min_frequency, "never merge rarer pairs")
      ->capture_default_str();
  train->add_option("--special-token", special, "special added token (repeatable)");
  train->add_option("--added-token", added, "non-special added token, e.g. <think> (repeatable)");
  train->add_option("--pre-tokenizer", pre, "qwen2 | llama3 | gpt2")->capture_default_str();
  train->add_flag("--no-nfc", no_nfc, "no NFC normalizer");
  train->add_option("--bos-token", bos, "special token prepended by add_special_tokens");
  train->add_option("--out", out, "output tokenizer.json")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (cfg.num_merges < 0 && cfg.vocab_size <= 0)
    throw r1::Error("r1 tokenizer train", "give --vocab-size or --num-merges");
  cfg.special_tokens = special;
  cfg.added_tokens = added;
  cfg.pre_tokenizer = r1::text::parse_pre_tokenizer_kind(pre);
  cfg.nfc = !no_nfc;
  cfg.bos_token = bos;
  std::vector<std::string> docs;
  for (const auto& f : corpus_files) read_documents(f, jsonl_field, docs);
  const auto tok = r1::text::train_bpe(docs, cfg);
  tok.save(out);
  std::cerr << "wrote " << out << ": " << tok.vocab_size() << " ids from " << docs.size()
            << " documents\n";
  return 0;
}

r1::cli::RegisterCommand reg("tokenizer", "tokenizer tools: `r1 tokenizer train` (byte-level BPE)",
                             run_tokenizer);

}  // namespace
