#include "text/bpe_model.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "core/error.h"
#include "text/byte_level.h"
#include "text/utf8.h"

namespace r1::text {

struct BpeModel::MergeTable {
  struct Slot {
    uint64_t key = kEmpty;
    int32_t rank = 0, id = 0;
  };
  static constexpr uint64_t kEmpty = ~0ull;
  std::vector<Slot> slots;
  size_t mask = 0;

  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  static size_t hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return static_cast<size_t>(k);
  }
  explicit MergeTable(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    slots.resize(cap);
    mask = cap - 1;
  }
  // Keeps the first (lowest-rank) entry of a duplicated pair, as HF's HashMap building does not:
  // HF keeps the last; duplicates do not occur in real files, and the trainer never makes them.
  void insert(int32_t a, int32_t b, int32_t rank, int32_t id) {
    const uint64_t k = key(a, b);
    for (size_t i = hash(k) & mask;; i = (i + 1) & mask) {
      if (slots[i].key == kEmpty) {
        slots[i] = {k, rank, id};
        return;
      }
      if (slots[i].key == k) return;
    }
  }
  const Slot* find(int32_t a, int32_t b) const {
    const uint64_t k = key(a, b);
    for (size_t i = hash(k) & mask;; i = (i + 1) & mask) {
      if (slots[i].key == k) return &slots[i];
      if (slots[i].key == kEmpty) return nullptr;
    }
  }
};

namespace {

std::string opt_string(const nlohmann::json& j, const char* key) {
  return j.contains(key) && !j.at(key).is_null() ? j.at(key).get<std::string>() : std::string();
}

}  // namespace

std::shared_ptr<BpeModel> BpeModel::from_json(const nlohmann::json& j, const std::string& where) {
  check(j.is_object(), where, "model: expected an object");
  const std::string type = j.value("type", std::string("BPE"));
  if (type != "BPE")
    throw Error(where, "unsupported model type \"" + type + "\" (supported: BPE)");
  auto m = std::make_shared<BpeModel>();
  try {
    if (j.contains("dropout") && !j.at("dropout").is_null() && j.at("dropout").get<double>() > 0)
      throw Error(where, "model BPE: dropout > 0 is not supported (it samples at encode time)");
    m->has_unk_ = j.contains("unk_token") && !j.at("unk_token").is_null();
    m->unk_token_ = opt_string(j, "unk_token");
    m->prefix_ = opt_string(j, "continuing_subword_prefix");
    m->suffix_ = opt_string(j, "end_of_word_suffix");
    m->fuse_unk_ = j.value("fuse_unk", false);
    m->byte_fallback_ = j.value("byte_fallback", false);
    m->ignore_merges_ = j.value("ignore_merges", false);
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "vocab" && it.key() != "merges") m->options_json_[it.key()] = it.value();

    const auto& vocab = j.at("vocab");
    check(vocab.is_object(), where, "model BPE: vocab must be an object of token -> id");
    m->vocab_.reserve(vocab.size());
    int32_t max_id = -1;
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      const int64_t id = it.value().get<int64_t>();
      check(id >= 0 && id < (1 << 30), where, "model BPE: vocab id out of range for \"" + it.key() + "\"");
      m->vocab_[it.key()] = static_cast<int32_t>(id);
      max_id = std::max<int32_t>(max_id, static_cast<int32_t>(id));
    }
    m->id_to_token_.assign(static_cast<size_t>(max_id + 1), std::string());
    for (const auto& [tok, id] : m->vocab_) m->id_to_token_[static_cast<size_t>(id)] = tok;

    const auto& merges = j.at("merges");
    check(merges.is_array(), where, "model BPE: merges must be an array");
    m->merges_.reserve(merges.size());
    for (size_t r = 0; r < merges.size(); ++r) {
      const auto& mj = merges[r];
      std::string a, b;
      if (mj.is_string()) {
        const std::string s = mj.get<std::string>();
        const size_t sp = s.find(' ');
        check(sp != std::string::npos && s.find(' ', sp + 1) == std::string::npos, where,
              "model BPE: merge " + std::to_string(r) + " \"" + s + "\" is not \"a b\"");
        a = s.substr(0, sp), b = s.substr(sp + 1);
      } else {
        check(mj.is_array() && mj.size() == 2, where,
              "model BPE: merge " + std::to_string(r) + " is not a pair");
        a = mj[0].get<std::string>(), b = mj[1].get<std::string>();
      }
      const int32_t ia = m->token_to_id(a), ib = m->token_to_id(b);
      check(ia >= 0 && ib >= 0, where,
            "model BPE: merge " + std::to_string(r) + " uses a token missing from the vocab: \"" +
                (ia < 0 ? a : b) + "\"");
      m->merges_.emplace_back(ia, ib);
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(where, std::string("model BPE: ") + e.what());
  }
  m->build_derived(where);
  return m;
}

void BpeModel::build_derived(const std::string& where) {
  merge_table_ = std::make_shared<MergeTable>(merges_.size());
  for (size_t r = 0; r < merges_.size(); ++r) {
    const auto [a, b] = merges_[r];
    const std::string merged = id_to_token_[a] + id_to_token_[b];
    const int32_t id = token_to_id(merged);
    check(id >= 0, where,
          "model BPE: merge " + std::to_string(r) + " result \"" + merged + "\" is not in the vocab");
    merge_table_->insert(a, b, static_cast<int32_t>(r), id);
  }
  for (int b = 0; b < 256; ++b)
    byte_ids_[b] = token_to_id(byte_level::char_for_byte(static_cast<unsigned char>(b)));
  cache_ = std::make_unique<std::array<CacheShard, kShards>>();
}

int32_t BpeModel::token_to_id(std::string_view token) const {
  const auto it = vocab_.find(std::string(token));
  return it == vocab_.end() ? -1 : it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size()) return nullptr;
  const std::string& t = id_to_token_[static_cast<size_t>(id)];
  // Gaps in the id space hold empty strings; the empty string is never a vocab token in practice.
  if (t.empty() && token_to_id(t) != id) return nullptr;
  return &t;
}

void BpeModel::initial_symbols(std::string_view word, bool raw_bytes,
                               std::vector<int32_t>& syms) const {
  syms.clear();
  if (raw_bytes) {
    for (unsigned char b : word) {
      // Byte-level vocabs contain all 256 byte chars; a byte missing from a hand-made vocab is
      // dropped, as HF does for an unknown char when there is no unk_token.
      if (byte_ids_[b] >= 0) syms.push_back(byte_ids_[b]);
      else if (has_unk_) syms.push_back(token_to_id(unk_token_));
    }
    return;
  }
  const int32_t unk_id = has_unk_ ? token_to_id(unk_token_) : -1;
  bool pending_unk = false;  // a fused unk waiting to be flushed
  std::string s;
  for (size_t i = 0; i < word.size();) {
    const size_t start = i;
    utf8::next(word, i);
    s.clear();
    if (start > 0) s += prefix_;
    s.append(word.substr(start, i - start));
    if (i == word.size()) s += suffix_;
    const int32_t id = token_to_id(s);
    if (id >= 0) {
      if (pending_unk) syms.push_back(unk_id), pending_unk = false;
      syms.push_back(id);
      continue;
    }
    if (byte_fallback_) {
      std::vector<int32_t> bytes;
      for (unsigned char b : s) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        const int32_t bid = token_to_id(buf);
        if (bid < 0) {
          bytes.clear();
          break;
        }
        bytes.push_back(bid);
      }
      if (!bytes.empty()) {
        if (pending_unk) syms.push_back(unk_id), pending_unk = false;
        syms.insert(syms.end(), bytes.begin(), bytes.end());
        continue;
      }
    }
    if (unk_id >= 0) {
      if (pending_unk && !fuse_unk_) syms.push_back(unk_id);
      pending_unk = true;
    }
  }
  if (pending_unk) syms.push_back(unk_id);
}

void BpeModel::merge(std::vector<int32_t>& syms) const {
  const size_t n = syms.size();
  if (n < 2) return;
  struct Sym {
    int32_t id, prev, next;
    bool alive;
  };
  struct Cand {
    int32_t rank, pos, new_id;
    // std heap functions build a max-heap: "less" = higher rank, then higher position.
    bool operator<(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  thread_local std::vector<Sym> s;
  thread_local std::vector<Cand> heap;  // binary heap via std::push_heap / std::pop_heap
  s.resize(n);
  for (size_t i = 0; i < n; ++i)
    s[i] = {syms[i], static_cast<int32_t>(i) - 1,
            i + 1 < n ? static_cast<int32_t>(i + 1) : -1, true};
  heap.clear();
  const auto push = [&](int32_t rank, int32_t pos, int32_t id) {
    heap.push_back({rank, pos, id});
    std::push_heap(heap.begin(), heap.end());
  };
  for (size_t i = 0; i + 1 < n; ++i)
    if (const auto* m = merge_table_->find(s[i].id, s[i + 1].id))
      push(m->rank, static_cast<int32_t>(i), m->id);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    const Cand top = heap.back();
    heap.pop_back();
    Sym& cur = s[top.pos];
    if (!cur.alive || cur.next < 0) continue;
    Sym& right = s[cur.next];
    const auto* m = merge_table_->find(cur.id, right.id);
    if (!m || m->id != top.new_id) continue;  // stale entry
    cur.id = top.new_id;
    right.alive = false;
    cur.next = right.next;
    if (right.next >= 0) s[right.next].prev = top.pos;
    if (cur.prev >= 0)
      if (const auto* pm = merge_table_->find(s[cur.prev].id, cur.id))
        push(pm->rank, cur.prev, pm->id);
    if (cur.next >= 0)
      if (const auto* nm = merge_table_->find(cur.id, s[cur.next].id))
        push(nm->rank, top.pos, nm->id);
  }
  syms.clear();
  for (int32_t i = 0; i >= 0; i = s[i].next) syms.push_back(s[i].id);
}

bool BpeModel::CacheShard::find(uint64_t hash, std::string_view word,
                                std::vector<int32_t>& out) const {
  if (slots.empty()) return false;
  const size_t mask = slots.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots[i];
    if (s.hash == 0) return false;
    if (s.hash == hash && s.word_len == word.size() &&
        std::memcmp(words.data() + s.word_off, word.data(), word.size()) == 0) {
      out.insert(out.end(), ids.begin() + s.ids_off, ids.begin() + s.ids_off + s.ids_len);
      return true;
    }
  }
}

void BpeModel::CacheShard::insert(uint64_t hash, std::string_view word,
                                  const std::vector<int32_t>& word_ids) {
  if ((used + 1) * 2 > slots.size()) {  // keep the load factor <= 1/2
    if (slots.size() >= kMaxSlotsPerShard) return;
    std::vector<Slot> old = std::move(slots);
    slots.assign(old.empty() ? 256 : old.size() * 2, Slot());
    for (const Slot& s : old) {
      if (s.hash == 0) continue;
      size_t i = s.hash & (slots.size() - 1);
      while (slots[i].hash != 0) i = (i + 1) & (slots.size() - 1);
      slots[i] = s;
    }
  }
  size_t i = hash & (slots.size() - 1);
  while (slots[i].hash != 0) {
    if (slots[i].hash == hash && slots[i].word_len == word.size() &&
        std::memcmp(words.data() + slots[i].word_off, word.data(), word.size()) == 0)
      return;  // another thread inserted it meanwhile
    i = (i + 1) & (slots.size() - 1);
  }
  Slot& s = slots[i];
  s.hash = hash;
  s.word_off = static_cast<uint32_t>(words.size());
  s.word_len = static_cast<uint16_t>(word.size());
  s.ids_off = static_cast<uint32_t>(ids.size());
  s.ids_len = static_cast<uint16_t>(word_ids.size());
  words.append(word);
  ids.insert(ids.end(), word_ids.begin(), word_ids.end());
  ++used;
}

void BpeModel::encode_word(std::string_view word, bool raw_bytes, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  // A non-empty subword prefix/suffix is defined on mapped text: leave the raw-bytes fast path.
  if (raw_bytes && (!prefix_.empty() || !suffix_.empty())) {
    encode_word(byte_level::encode(word), false, out);
    return;
  }
  const bool cacheable = word.size() <= kMaxCachedWordBytes;
  CacheShard* shard = nullptr;
  uint64_t hash = 0;
  if (cacheable) {
    hash = std::hash<std::string_view>()(word) | 1;  // never 0 (the empty-slot marker)
    shard = &(*cache_)[(hash >> 32) % kShards];
    std::lock_guard<std::mutex> lock(shard->mu);
    if (shard->find(hash, word, out)) return;
  }
  thread_local std::vector<int32_t> syms;
  int32_t whole = -1;
  if (ignore_merges_) whole = token_to_id(raw_bytes ? byte_level::encode(word) : std::string(word));
  if (whole >= 0) {
    syms.assign(1, whole);
  } else {
    initial_symbols(word, raw_bytes, syms);
    merge(syms);
  }
  out.insert(out.end(), syms.begin(), syms.end());
  if (cacheable) {
    std::lock_guard<std::mutex> lock(shard->mu);
    shard->insert(hash, word, syms);
  }
}

nlohmann::json BpeModel::to_json() const {
  nlohmann::json j = options_json_;
  nlohmann::json vocab = nlohmann::json::object();
  for (const auto& [tok, id] : vocab_) vocab[tok] = id;
  nlohmann::json merges = nlohmann::json::array();
  for (const auto& [a, b] : merges_) merges.push_back({id_to_token_[a], id_to_token_[b]});
  j["vocab"] = std::move(vocab);
  j["merges"] = std::move(merges);
  return j;
}

}  // namespace r1::text
