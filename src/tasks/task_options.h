// The options of the synthetic task families as config keys (core/schema.h): one schema per family's
// options struct, and TaskOptions, the `task_options` section of a job config holding each family's.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/schema.h"
#include "tasks/countdown.h"
#include "tasks/greeting.h"
#include "tasks/running_sum.h"
#include "tasks/task.h"

namespace r1::tasks {

template <class V>
void visit_fields(V& v, RunningSumOptions& o) {
  using namespace r1::schema;
  v.field("terms", o.terms, "numbers summed per problem", at_least(2));
  v.field("max_digit", o.max_digit, "terms are drawn from 0..max_digit", at_least(1));
  v.field("modulus", o.modulus, "answers are sums mod this (0 = plain sums)", at_least(0));
  v.field("words", o.words, "steps open with a connective (\"then 8+2=0\") instead of bare equations");
  v.field("zh_fraction", o.zh_fraction, "with words: probability that a step is written in Chinese", closed(0, 1));
  v.require(o.words || o.zh_fraction == 0.0, "zh_fraction", "needs words: true (equation steps have no language)");
}

template <class V>
void visit_fields(V& v, CountdownOptions& o) {
  using namespace r1::schema;
  v.field("numbers", o.numbers, "operands per problem", closed(2, 6));
  v.field("max_number", o.max_number, "operands are drawn from 1..max_number", at_least(1));
  v.field("max_target", o.max_target, "targets are drawn from reachable values in 1..max_target", at_least(1));
  v.field("max_failed_tries", o.max_failed_tries, "failed attempts the <think> trace shows before the solution",
          at_least(0));
}

template <class V>
void visit_fields(V& v, GreetingOptions& o) {
  using namespace r1::schema;
  v.field("names", o.names, "prompts draw the person from the first `names` of the name list", closed(2, 16));
  v.field("max_words", o.max_words, "the longest good reply in words (the hidden rule's limit)", at_least(3));
}

// Options of every synthetic reasoning family a job may name in `tasks`.
struct TaskOptions {
  RunningSumOptions running_sum;
  CountdownOptions countdown;
};

template <class V>
void visit_fields(V& v, TaskOptions& o) {
  v.field("running_sum", o.running_sum, "sums of single digits, mod 10 by default (tasks/running_sum.h)");
  v.field("countdown", o.countdown, "reach a target with + - * / over given numbers (tasks/countdown.h)");
}

// The names TaskOptions has options for: running_sum, countdown.
const std::vector<std::string>& synthetic_task_names();

// The synthetic family `name` with its options from `o`; an r1::Error naming it when unknown.
std::unique_ptr<Task> make_synthetic_task(const std::string& name, const TaskOptions& o);

}  // namespace r1::tasks
