#include "tasks/running_sum.h"

#include "tasks/text_util.h"

namespace r1::tasks {

Problem RunningSum::sample(Rng& rng) const {
  std::uniform_int_distribution<int> digit(0, o_.max_digit);
  std::vector<int> xs(o_.terms);
  std::string q;
  long total = 0;
  for (int i = 0; i < o_.terms; ++i) {
    xs[i] = digit(rng);
    total += xs[i];
    q += (i ? "+" : "") + std::to_string(xs[i]);
  }
  if (o_.modulus > 0) {
    q += " mod " + std::to_string(o_.modulus);
    total %= o_.modulus;
  }
  Problem p{name(), q, std::to_string(total)};
  p.data["terms"] = xs;
  return p;
}

namespace {

// One step of the trace: "a+b=c", or with words the same equation after a connective of its
// language: "first a+b=c" / "首先 a+b=c" for the first step, "then a+b=c" / "然后 a+b=c" after.
std::string write_step(long a, long b, long c, bool words, bool chinese, bool first) {
  const std::string eq = std::to_string(a) + "+" + std::to_string(b) + "=" + std::to_string(c);
  if (!words) return eq;
  if (chinese) return (first ? "首先 " : "然后 ") + eq;
  return (first ? "first " : "then ") + eq;
}

}  // namespace

std::string RunningSum::write_solution(const Problem& p, bool think, Rng& rng) const {
  std::string out;
  if (think) {
    auto xs = p.data.at("terms").get<std::vector<int>>();
    const bool mixed = o_.words && o_.zh_fraction > 0.0 && o_.zh_fraction < 1.0;
    std::uniform_real_distribution<double> u(0.0, 1.0);
    long acc = xs.at(0);
    out = "<think>";
    for (size_t i = 1; i < xs.size(); ++i) {
      long next = acc + xs[i];
      if (o_.modulus > 0) next %= o_.modulus;
      const bool chinese = mixed ? u(rng) < o_.zh_fraction : o_.zh_fraction >= 1.0;
      out += (i > 1 ? " " : "") + write_step(acc, xs[i], next, o_.words, chinese, i == 1);
      acc = next;
    }
    out += "</think>";
  }
  return out + "<answer>" + p.answer + "</answer>";
}

bool RunningSum::check_answer(const Problem& p, std::string_view answer) const {
  auto value = parse_integer(trim(answer));
  return value.has_value() && std::to_string(*value) == p.answer;
}

}  // namespace r1::tasks
