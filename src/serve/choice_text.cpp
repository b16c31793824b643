#include "serve/choice_text.h"

namespace r1::serve {
namespace {

// Appends `more`, merging a delta into the last one when they are of the same kind.
void append_merged(std::vector<TextDelta>& out, std::vector<TextDelta> more) {
  for (auto& d : more) {
    if (!out.empty() && out.back().reasoning == d.reasoning) out.back().text += d.text;
    else out.push_back(std::move(d));
  }
}

}  // namespace

ChoiceText::ChoiceText(const text::Tokenizer& tok, std::vector<std::string> stops, bool split, bool opened)
    : detok_(tok), stop_(std::move(stops)), splitter_(opened), split_(split) {}

std::vector<TextDelta> ChoiceText::route(const std::string& text) {
  text_ += text;
  if (!split_) return text.empty() ? std::vector<TextDelta>{} : std::vector<TextDelta>{{false, text}};
  return splitter_.feed(text);
}

std::vector<TextDelta> ChoiceText::push(int32_t id) {
  if (stop_.stopped()) return {};
  ++tokens_;
  std::vector<TextDelta> out = route(stop_.feed(detok_.push(id)));
  if (stop_.stopped() && split_) append_merged(out, splitter_.finish());
  return out;
}

std::vector<TextDelta> ChoiceText::finish() {
  if (stop_.stopped()) return {};
  std::string rest = stop_.feed(detok_.finish());
  if (!stop_.stopped()) rest += stop_.finish();
  std::vector<TextDelta> out = route(rest);
  if (split_) append_merged(out, splitter_.finish());
  return out;
}

}  // namespace r1::serve
