#include "serve/serving_loop.h"

#include <ATen/core/grad_mode.h>

#include "core/log.h"

namespace r1::serve {

RequestStream::RequestStream(int64_t n) : ended_(static_cast<size_t>(n), false), stop_(static_cast<size_t>(n)), open_(n) {
  for (auto& s : stop_) s = false;
}

std::vector<engine::TokenEvent> RequestStream::wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || open_ == 0; });
  std::vector<engine::TokenEvent> out;
  out.swap(queue_);
  return out;
}

bool RequestStream::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_ == 0;
}

std::string RequestStream::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void RequestStream::end_choice(int64_t c) {
  if (c >= 0 && c < static_cast<int64_t>(stop_.size())) stop_[static_cast<size_t>(c)] = true;
}

bool RequestStream::on_token(const engine::TokenEvent& e) {
  const auto c = static_cast<size_t>(e.choice);
  const bool keep = !cancelled_ && !stop_[c];
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_[c]) return false;
    queue_.push_back(e);
    if (e.finish != engine::FinishReason::none || !keep) {
      ended_[c] = true;
      --open_;
    }
  }
  cv_.notify_all();
  return keep;
}

void RequestStream::finish_all(const std::string& error) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.empty()) error_ = error;
    for (size_t c = 0; c < ended_.size(); ++c) ended_[c] = true;
    open_ = 0;
  }
  cv_.notify_all();
}

ServingLoop::ServingLoop(engine::Engine& engine) : engine_(engine), thread_([this] { run(); }) {}

ServingLoop::~ServingLoop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  fail_live("the server is shutting down");
}

std::shared_ptr<RequestStream> ServingLoop::submit(std::vector<int32_t> prompt, engine::RequestOptions opts) {
  auto stream = std::make_shared<RequestStream>(opts.n);
  std::weak_ptr<RequestStream> weak = stream;
  // The sink holds the stream weakly: a request whose HTTP side is gone only ends its choices.
  auto sink = [weak](const engine::TokenEvent& e) {
    auto s = weak.lock();
    return s && s->on_token(e);
  };
  std::lock_guard<std::mutex> lock(mu_);
  stream->id_ = engine_.submit(std::move(prompt), std::move(opts), std::move(sink));
  live_[stream->id_] = stream;
  work_ = true;
  cv_.notify_all();
  return stream;
}

void ServingLoop::cancel(RequestStream& s) {
  s.cancelled_ = true;
  engine_.cancel(s.id_);
  s.finish_all("");
  std::lock_guard<std::mutex> lock(mu_);
  work_ = true;  // a step frees the slot
  cv_.notify_all();
}

void ServingLoop::fail_live(const std::string& why) {
  std::map<int64_t, std::weak_ptr<RequestStream>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    live.swap(live_);
  }
  for (auto& [id, w] : live) {
    if (auto s = w.lock()) {
      engine_.cancel(id);
      s->finish_all(why);
    }
  }
}

void ServingLoop::forget_ended() {
  for (auto it = live_.begin(); it != live_.end();) {
    auto s = it->second.lock();
    it = (!s || s->done()) ? live_.erase(it) : std::next(it);
  }
}

void ServingLoop::run() {
  at::NoGradGuard no_grad;  // grad mode is per thread: this one only ever runs inference
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return work_ || stop_; });
      if (stop_) return;
      work_ = false;
      forget_ended();
    }
    try {
      for (int64_t steps = 1; engine_.step(); ++steps) {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return;
        if (steps % 256 == 0) forget_ended();
      }
    } catch (const std::exception& e) {
      // A failed step must not take the server down: its requests end with the error, others go on.
      log_warn(std::string("serve: engine step failed: ") + e.what());
      fail_live(std::string("generation failed: ") + e.what());
    }
  }
}

}  // namespace r1::serve
