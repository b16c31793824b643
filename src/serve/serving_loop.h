// The thread that owns the engine for `r1 serve`: it runs Engine::step() while any request is
// waiting or running and sleeps on a condition variable otherwise. HTTP threads submit requests and
// read each request's tokens from its own RequestStream queue; the engine's sinks (on this thread)
// only push events there, so a slow client never slows the batch. A client that goes away cancels
// its request, which leaves the batch at the next step; a choice whose text hit a `stop` string is
// ended the same way, by its sink returning false.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"

namespace r1::serve {

// The events of one request, from the engine thread to the HTTP thread that answers it.
class RequestStream {
 public:
  explicit RequestStream(int64_t n);
  // Waits until events are queued, the request is done, or `timeout` passes; returns what is queued.
  std::vector<engine::TokenEvent> wait(std::chrono::milliseconds timeout);
  bool done() const;         // every choice has ended (or the request failed or was cancelled)
  std::string error() const;  // non-empty: the engine failed while running this request
  // A stop string matched in choice `c`: its sink ends it at its next token.
  void end_choice(int64_t c);
  int64_t id() const { return id_; }

 private:
  friend class ServingLoop;
  bool on_token(const engine::TokenEvent& e);  // the engine sink
  void finish_all(const std::string& error);   // cancelled or failed: no more events

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<engine::TokenEvent> queue_;
  std::vector<bool> ended_;            // per choice: no more events will come
  std::vector<std::atomic<bool>> stop_;  // per choice: end at its next token
  std::atomic<bool> cancelled_{false};
  int64_t open_;  // choices not ended
  std::string error_;
  int64_t id_ = -1;
};

class ServingLoop {
 public:
  explicit ServingLoop(engine::Engine& engine);
  ~ServingLoop();  // stops the thread; live requests end with an error
  ServingLoop(const ServingLoop&) = delete;
  ServingLoop& operator=(const ServingLoop&) = delete;

  // Queues a request; throws engine::Rejected (queue full, prompt too long, invalid).
  std::shared_ptr<RequestStream> submit(std::vector<int32_t> prompt, engine::RequestOptions opts);
  // The client went away: the request leaves the batch at the next step.
  void cancel(RequestStream& s);
  engine::EngineStats stats() const { return engine_.stats(); }
  const engine::EngineConfig& config() const { return engine_.config(); }

 private:
  void run();
  void fail_live(const std::string& why);
  void forget_ended();  // drops streams whose requests have ended (under mu_)

  engine::Engine& engine_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool work_ = false;  // set by submit: step() until idle again
  bool stop_ = false;
  std::map<int64_t, std::weak_ptr<RequestStream>> live_;  // for failing them if step() throws
  std::thread thread_;
};

}  // namespace r1::serve
