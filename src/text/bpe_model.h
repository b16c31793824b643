// The BPE model of tokenizer.json ("model": {"type": "BPE", vocab, merges, ...}).
//
// Merging follows Hugging Face's word.rs exactly: a min-heap of adjacent pairs ordered by merge
// rank, then position (leftmost first), with stale entries skipped. Results are cached per word
// (sharded, mutex-protected map, bounded size) because natural text repeats words heavily; with
// byte-level input the word is raw bytes and the initial symbols come from a 256-entry table.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace r1::text {

class BpeModel {
 public:
  static std::shared_ptr<BpeModel> from_json(const nlohmann::json& j, const std::string& where);
  // Appends the ids of one pre-tokenized word. raw_bytes: `word` is raw bytes to be read through
  // the byte-level mapping (see PreTokenizer::byte_output).
  void encode_word(std::string_view word, bool raw_bytes, std::vector<int32_t>& out) const;

  int32_t token_to_id(std::string_view token) const;  // -1 if absent
  const std::string* id_to_token(int32_t id) const;  // nullptr if absent
  int64_t size() const { return static_cast<int64_t>(id_to_token_.size()); }
  nlohmann::json to_json() const;

 private:
  struct MergeTable;  // (left id, right id) -> (rank, merged id), open addressing
  // Word -> ids, open addressing over byte arenas: a lookup hashes the word once and allocates
  // nothing. Grows up to kMaxSlotsPerShard, then stops inserting (HF's cache also stops when full).
  struct CacheShard {
    struct Slot {
      uint64_t hash = 0;  // 0 = empty (real hashes are forced non-zero)
      uint32_t word_off = 0, ids_off = 0;
      uint16_t word_len = 0, ids_len = 0;
    };
    std::mutex mu;
    std::vector<Slot> slots;
    std::string words;
    std::vector<int32_t> ids;
    size_t used = 0;
    bool find(uint64_t hash, std::string_view word, std::vector<int32_t>& out) const;
    void insert(uint64_t hash, std::string_view word, const std::vector<int32_t>& word_ids);
  };
  static constexpr size_t kShards = 64;
  static constexpr size_t kMaxSlotsPerShard = 16384;
  static constexpr size_t kMaxCachedWordBytes = 128;

  void build_derived(const std::string& where);
  void initial_symbols(std::string_view word, bool raw_bytes, std::vector<int32_t>& syms) const;
  void merge(std::vector<int32_t>& syms) const;

  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> id_to_token_;
  std::vector<std::pair<int32_t, int32_t>> merges_;  // rank order
  std::shared_ptr<MergeTable> merge_table_;
  std::array<int32_t, 256> byte_ids_{};  // id of the byte-level char of each byte, or -1
  std::string unk_token_;
  bool has_unk_ = false;
  std::string prefix_, suffix_;  // continuing_subword_prefix, end_of_word_suffix
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
  nlohmann::json options_json_;  // the non-vocab/merges fields, re-emitted by to_json
  std::unique_ptr<std::array<CacheShard, kShards>> cache_;
};

}  // namespace r1::text
