#include "text/post_processor.h"

#include "core/error.h"

namespace r1::text {
namespace {

class Identity : public PostProcessor {
 public:
  std::vector<int32_t> process(std::vector<int32_t> ids) const override { return ids; }
};

class Sequence : public PostProcessor {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PostProcessor>> parts) : parts_(std::move(parts)) {}
  std::vector<int32_t> process(std::vector<int32_t> ids) const override {
    for (const auto& p : parts_) ids = p->process(std::move(ids));
    return ids;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> parts_;
};

// The single-sequence template: a list of pieces, each a special token (its ids) or $A (the input).
class Template : public PostProcessor {
 public:
  struct Piece {
    bool is_sequence;
    std::vector<int32_t> ids;
  };
  explicit Template(std::vector<Piece> pieces) : pieces_(std::move(pieces)) {}
  std::vector<int32_t> process(std::vector<int32_t> ids) const override {
    std::vector<int32_t> out;
    for (const auto& p : pieces_) {
      const auto& src = p.is_sequence ? ids : p.ids;
      out.insert(out.end(), src.begin(), src.end());
    }
    return out;
  }

 private:
  std::vector<Piece> pieces_;
};

std::unique_ptr<PostProcessor> make_template(const nlohmann::json& j, const std::string& where) {
  const auto& specials = j.at("special_tokens");
  std::vector<Template::Piece> pieces;
  for (const auto& item : j.at("single")) {
    if (item.contains("Sequence")) {
      const std::string seq = item.at("Sequence").at("id").get<std::string>();
      check(seq == "A", where, "post_processor TemplateProcessing: single template uses $" + seq);
      pieces.push_back({true, {}});
    } else if (item.contains("SpecialToken")) {
      const std::string name = item.at("SpecialToken").at("id").get<std::string>();
      check(specials.contains(name), where,
            "post_processor TemplateProcessing: special token \"" + name +
                "\" missing from special_tokens");
      pieces.push_back({false, specials.at(name).at("ids").get<std::vector<int32_t>>()});
    } else {
      throw Error(where, "post_processor TemplateProcessing: unknown template piece " + item.dump());
    }
  }
  return std::make_unique<Template>(std::move(pieces));
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& j,
                                                   const std::string& where) {
  if (j.is_null()) return nullptr;
  check(j.is_object() && j.contains("type"), where,
        "post_processor: expected an object with \"type\"");
  const std::string type = j.at("type").get<std::string>();
  try {
    if (type == "ByteLevel") return std::make_unique<Identity>();
    if (type == "TemplateProcessing") return make_template(j, where);
    if (type == "Sequence") {
      std::vector<std::unique_ptr<PostProcessor>> parts;
      for (const auto& p : j.at("processors"))
        if (auto pp = make_post_processor(p, where)) parts.push_back(std::move(pp));
      return std::make_unique<Sequence>(std::move(parts));
    }
    if (type == "RobertaProcessing" || type == "BertProcessing") {
      // "cls": [token, id], "sep": [token, id]
      const int32_t cls = j.at("cls").at(1).get<int32_t>(), sep = j.at("sep").at(1).get<int32_t>();
      return make_template({{"single",
                             {{{"SpecialToken", {{"id", "cls"}}}},
                              {{"Sequence", {{"id", "A"}}}},
                              {{"SpecialToken", {{"id", "sep"}}}}}},
                            {"special_tokens",
                             {{"cls", {{"ids", {cls}}}}, {"sep", {{"ids", {sep}}}}}}},
                           where);
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(where, "post_processor " + type + ": " + e.what());
  }
  throw Error(where, "unsupported post_processor type \"" + type +
                         "\" (supported: TemplateProcessing, ByteLevel, RobertaProcessing, "
                         "BertProcessing, Sequence)");
}

}  // namespace r1::text
