// `r1 tokenizer train`: trains a byte-level BPE tokenizer.json (loadable by r1cpp and by Hugging
// Face / transformers.js tokenizers) from text or JSONL files.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands/commands.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/json_file.h"
#include "text/bpe_trainer.h"
#include "text/bpe_trainer_schema.h"

namespace {

// Documents of one corpus file: each line (with its "\n") of a text file, or the string value of
// `field` in each record of a JSONL file.
void read_documents(const std::string& path, const std::string& jsonl_field,
                    std::vector<std::string>& docs) {
  if (!jsonl_field.empty()) {
    r1::for_each_jsonl_record(path, [&](const nlohmann::json& j, const std::string& where) {
      if (!j.contains(jsonl_field) || !j.at(jsonl_field).is_string())
        throw r1::Error(where, "record has no string field \"" + jsonl_field + "\"");
      docs.push_back(j.at(jsonl_field).get<std::string>());
    });
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw r1::Error(path, "cannot open corpus file");
  for (std::string line; std::getline(in, line);) docs.push_back(line + "\n");
}

struct TokenizerTrainCommand {
  std::vector<std::string> corpus;
  std::string jsonl_field;
  std::string out;
  r1::text::BpeTrainerConfig bpe;
};

template <class V>
void visit_fields(V& v, TokenizerTrainCommand& c) {
  using namespace r1::schema;
  v.field("corpus", c.corpus, "corpus files (text: one document per line); also given as bare arguments", kRequired);
  v.field("jsonl_field", c.jsonl_field, "read the corpus files as JSONL and take this string field of each record");
  v.field("out", c.out, "output tokenizer.json", kRequired);
  visit_fields(v, c.bpe);
}

const r1::cli::CommandSpec kSpec{
    "tokenizer train", "[CORPUS ...] --out tokenizer.json (--vocab_size N | --num_merges N) [--key value ...]",
    "Trains a byte-level BPE tokenizer.json (loadable by r1cpp and by Hugging Face / transformers.js\n"
    "tokenizers) from text or JSONL files: ids 0..255 are the bytes, then one id per merge, then the added\n"
    "tokens.",
    {"corpus"}};

int run_train(TokenizerTrainCommand& c) {
  std::vector<std::string> docs;
  for (const auto& f : c.corpus) read_documents(f, c.jsonl_field, docs);
  const auto tok = r1::text::train_bpe(docs, c.bpe);
  tok.save(c.out);
  std::cerr << "wrote " << c.out << ": " << tok.vocab_size() << " ids from " << docs.size() << " documents\n";
  return 0;
}

// `r1 tokenizer <subcommand>`: train is the only one.
int run_tokenizer(int argc, char** argv) {
  const std::string sub = argc > 1 ? argv[1] : "";
  static const auto train = r1::cli::parsed_command(kSpec, run_train);
  if (sub == "train") return train(argc - 1, argv + 1);
  if (sub == "--help" || sub == "-h") {
    std::printf("usage: r1 tokenizer <subcommand> [options]\n\nsubcommands:\n"
                "  train    train a byte-level BPE tokenizer.json (r1 tokenizer train --help)\n");
    return 0;
  }
  throw r1::UsageError(sub.empty() ? std::string("r1 tokenizer") : "subcommand '" + sub + "'",
                       "r1 tokenizer takes a subcommand: train (r1 tokenizer train --help)");
}

r1::cli::RegisterCommand reg("tokenizer", "tokenizer tools: `r1 tokenizer train` (byte-level BPE)",
                             run_tokenizer);

}  // namespace
