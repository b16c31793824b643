#include "text/normalizer.h"

#include <vector>

#include "core/error.h"
#include "text/regex.h"
#include "text/unicode_normalize.h"
#include "text/utf8.h"

namespace r1::text {
namespace {

class Nfc : public Normalizer {
 public:
  std::string normalize(std::string_view s) const override { return nfc(s); }
};

class Nfd : public Normalizer {
 public:
  std::string normalize(std::string_view s) const override { return nfd(s); }
};

class Sequence : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
  std::string normalize(std::string_view s) const override {
    std::string out(s);
    for (const auto& p : parts_) out = p->normalize(out);
    return out;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

// HF Prepend: adds the prefix to a non-empty string.
class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string normalize(std::string_view s) const override {
    return s.empty() ? std::string() : prefix_ + std::string(s);
  }

 private:
  std::string prefix_;
};

// HF Replace: pattern {"String": s} (literal) or {"Regex": r}; replaces every match.
class Replace : public Normalizer {
 public:
  Replace(const nlohmann::json& pattern, std::string content, const std::string& where)
      : content_(std::move(content)) {
    if (pattern.contains("String")) {
      literal_ = pattern.at("String").get<std::string>();
      check(!literal_.empty(), where, "normalizer Replace: empty String pattern");
    } else if (pattern.contains("Regex")) {
      regex_ = std::make_unique<Regex>(pattern.at("Regex").get<std::string>(),
                                       where + " normalizer Replace");
    } else {
      throw Error(where, "normalizer Replace: pattern must have String or Regex");
    }
  }
  std::string normalize(std::string_view s) const override {
    std::string out;
    size_t pos = 0;
    if (regex_) {
      for (auto [b, e] : regex_->find_all(s)) {
        out.append(s.substr(pos, b - pos)).append(content_);
        pos = e;
      }
    } else {
      for (size_t b; (b = s.find(literal_, pos)) != std::string_view::npos;
           pos = b + literal_.size())
        out.append(s.substr(pos, b - pos)).append(content_);
    }
    out.append(s.substr(pos));
    return out;
  }

 private:
  std::string content_, literal_;
  std::unique_ptr<Regex> regex_;
};

class Strip : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  std::string normalize(std::string_view s) const override {
    size_t b = 0, e = s.size();
    if (left_) {
      for (size_t i = 0; i < s.size() && utf8::is_whitespace(utf8::next(s, i));) b = i;
    }
    if (right_) {
      size_t last_non_space_end = b;
      for (size_t i = b; i < s.size();) {
        const char32_t c = utf8::next(s, i);
        if (!utf8::is_whitespace(c)) last_non_space_end = i;
      }
      e = last_non_space_end;
    }
    return std::string(s.substr(b, e - b));
  }

 private:
  bool left_, right_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  check(j.is_object() && j.contains("type"), where, "normalizer: expected an object with \"type\"");
  const std::string type = j.at("type").get<std::string>();
  try {
    if (type == "NFC") return std::make_unique<Nfc>();
    if (type == "NFD") return std::make_unique<Nfd>();
    if (type == "Sequence") {
      std::vector<std::unique_ptr<Normalizer>> parts;
      for (const auto& p : j.at("normalizers"))
        if (auto n = make_normalizer(p, where)) parts.push_back(std::move(n));
      return std::make_unique<Sequence>(std::move(parts));
    }
    if (type == "Prepend") return std::make_unique<Prepend>(j.at("prepend").get<std::string>());
    if (type == "Replace")
      return std::make_unique<Replace>(j.at("pattern"), j.at("content").get<std::string>(), where);
    if (type == "Strip")
      return std::make_unique<Strip>(j.value("strip_left", true), j.value("strip_right", true));
  } catch (const nlohmann::json::exception& e) {
    throw Error(where, "normalizer " + type + ": " + e.what());
  }
  throw Error(where, "unsupported normalizer type \"" + type +
                         "\" (supported: NFC, NFD, Sequence, Prepend, Replace, Strip)");
}

}  // namespace r1::text
