#include "tasks/countdown.h"

#include <algorithm>
#include <numeric>

#include "tasks/text_util.h"

namespace r1::tasks {
namespace {

// One left-associated attempt: (a op1 b) op2 c [op3 d ...], integer steps only.
struct Attempt {
  std::vector<int> order;  // operands in use order
  std::vector<char> ops;   // ops.size() == order.size() - 1
  std::vector<long long> partials;
  bool valid = true;       // every step exact (division without remainder, no division by zero)
};

Attempt run(const std::vector<int>& order, const std::vector<char>& ops) {
  Attempt a{order, ops, {}, true};
  long long acc = order[0];
  for (size_t i = 0; i < ops.size(); ++i) {
    long long b = order[i + 1];
    switch (ops[i]) {
      case '+': acc += b; break;
      case '-': acc -= b; break;
      case '*': acc *= b; break;
      default:
        if (b == 0 || acc % b != 0) {
          a.valid = false;
          return a;
        }
        acc /= b;
    }
    a.partials.push_back(acc);
  }
  return a;
}

std::string equation(const Attempt& a) {
  std::string e = std::to_string(a.order[0]);
  for (size_t i = 0; i < a.ops.size(); ++i) {
    if (i > 0 && (a.ops[i] == '*' || a.ops[i] == '/') && (a.ops[i - 1] == '+' || a.ops[i - 1] == '-'))
      e = "(" + e + ")";
    e += std::string(1, a.ops[i]) + std::to_string(a.order[i + 1]);
  }
  return e;
}

std::string trace_line(const Attempt& a) {
  std::string s;
  long long acc = a.order[0];
  for (size_t i = 0; i < a.ops.size(); ++i) {
    s += (i ? " " : "") + std::to_string(acc) + a.ops[i] + std::to_string(a.order[i + 1]) + "=" +
         std::to_string(a.partials[i]);
    acc = a.partials[i];
  }
  return s;
}

Attempt random_attempt(const std::vector<int>& nums, Rng& rng) {
  static const char kOps[] = {'+', '-', '*', '/'};
  std::vector<int> order(nums);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<char> ops(order.size() - 1);
  std::uniform_int_distribution<int> pick(0, 3);
  for (auto& op : ops) op = kOps[pick(rng)];
  return run(order, ops);
}

// Recursive-descent parser over rationals.
struct Parser {
  std::string_view s;
  size_t i = 0;
  std::vector<long long>* numbers;
  bool ok = true;

  void skip() {
    while (i < s.size() && s[i] == ' ') ++i;
  }
  // (num, den) with den > 0
  std::pair<long long, long long> expr() {
    auto v = term();
    for (skip(); ok && i < s.size() && (s[i] == '+' || s[i] == '-'); skip()) {
      char op = s[i++];
      auto r = term();
      v = {op == '+' ? v.first * r.second + r.first * v.second : v.first * r.second - r.first * v.second,
           v.second * r.second};
      norm(v);
    }
    return v;
  }
  std::pair<long long, long long> term() {
    auto v = factor();
    for (skip(); ok && i < s.size() && (s[i] == '*' || s[i] == '/'); skip()) {
      char op = s[i++];
      auto r = factor();
      if (op == '*') {
        v = {v.first * r.first, v.second * r.second};
      } else {
        if (r.first == 0) {
          ok = false;
          return v;
        }
        v = {v.first * r.second, v.second * r.first};
      }
      norm(v);
    }
    return v;
  }
  std::pair<long long, long long> factor() {
    skip();
    if (i < s.size() && s[i] == '(') {
      ++i;
      auto v = expr();
      skip();
      if (i >= s.size() || s[i] != ')') ok = false;
      ++i;
      return v;
    }
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 9) ++i;
    if (i == start) {
      ok = false;
      return {0, 1};
    }
    long long v = std::stoll(std::string(s.substr(start, i - start)));
    numbers->push_back(v);
    return {v, 1};
  }
  void norm(std::pair<long long, long long>& v) {
    if (v.second < 0) v = {-v.first, -v.second};
    long long g = std::gcd(v.first, v.second);
    if (g > 1) v = {v.first / g, v.second / g};
    if (std::abs(v.first) > (1LL << 40) || v.second > (1LL << 40)) ok = false;  // no overflow games
  }
};

}  // namespace

bool evaluate_equation(std::string_view expr, long long& num, long long& den, std::vector<long long>& numbers) {
  numbers.clear();
  if (expr.size() > 200) return false;
  for (char c : expr)
    if (!(c == ' ' || c == '(' || c == ')' || c == '+' || c == '-' || c == '*' || c == '/' || (c >= '0' && c <= '9')))
      return false;
  Parser p{expr, 0, &numbers};
  auto v = p.expr();
  p.skip();
  if (!p.ok || p.i != expr.size()) return false;
  num = v.first;
  den = v.second;
  return true;
}

Problem Countdown::sample(Rng& rng) const {
  std::uniform_int_distribution<int> num(1, o_.max_number);
  while (true) {
    std::vector<int> nums(o_.numbers);
    for (auto& n : nums) n = num(rng);
    Attempt a = random_attempt(nums, rng);
    if (!a.valid) continue;
    long long target = a.partials.back();
    if (target < 1 || target > o_.max_target) continue;
    std::string q = "use";
    for (int n : nums) q += " " + std::to_string(n);
    q += " to make " + std::to_string(target);
    Problem p{name(), q, equation(a)};
    p.data["numbers"] = nums;
    p.data["target"] = target;
    return p;
  }
}

std::string Countdown::write_solution(const Problem& p, bool think, Rng& rng) const {
  auto nums = p.data.at("numbers").get<std::vector<int>>();
  long long target = p.data.at("target").get<long long>();
  // Find a solution by trying attempts in random order; the failed ones before it form the trace.
  std::vector<Attempt> failed;
  Attempt solution;
  bool found = false;
  for (int tries = 0;; ++tries) {
    Attempt a = random_attempt(nums, rng);
    if (!a.valid) continue;
    if (a.partials.back() == target) {
      solution = a;
      found = true;
      break;
    }
    if (static_cast<int>(failed.size()) < o_.max_failed_tries) failed.push_back(a);
    if (tries > 100000) break;  // cannot happen for a sampled problem; keep the reference answer
  }
  if (!found) return "<answer>" + p.answer + "</answer>";
  std::uniform_int_distribution<int> how_many(0, static_cast<int>(failed.size()));
  failed.resize(how_many(rng));
  std::string out;
  if (think) {
    out = "<think>";
    for (const auto& f : failed) out += trace_line(f) + " no ";
    out += trace_line(solution) + " yes</think>";
  }
  return out + "<answer>" + equation(solution) + "</answer>";
}

bool Countdown::check_answer(const Problem& p, std::string_view answer) const {
  long long num = 0, den = 1;
  std::vector<long long> used;
  if (!evaluate_equation(trim(answer), num, den, used)) return false;
  auto want = p.data.at("numbers").get<std::vector<long long>>();
  std::sort(used.begin(), used.end());
  std::sort(want.begin(), want.end());
  return used == want && den == 1 && num == p.data.at("target").get<long long>();
}

}  // namespace r1::tasks
