// How a rank's failure becomes the whole job's, with the rank named: the error line carries the rank,
// torchrun's error file gets the message (so torchrun's summary names the root cause), and the job's
// abort key in the store tells every other rank to stop now instead of at its next timeout.
#pragma once
#include <memory>
#include <string>

namespace r1::dist {

class Store;

// "[rank 1] " when this process is one rank of several (RANK/WORLD_SIZE set), else "".
std::string rank_prefix();

// For an error that ends the process (apps/r1.cpp's top-level handler): prints "<prefix>error: what"
// to stderr, writes TORCHELASTIC_ERROR_FILE when torchrun set it, and publishes the error as the
// job's abort reason when this process joined a job (the first reason published wins). A rank that
// hosts the store lingers a moment so the others can read it.
void report_fatal_error(const std::string& what);

// The store through which a failure is published; set by dist::Runtime while it lives (and kept
// after it is destroyed by an exception, so report_fatal_error can still publish).
void set_abort_channel(std::shared_ptr<Store> store, int rank, double linger_s);
void clear_abort_channel();

// Publishes msg as the job's abort reason unless one is already there; returns the reason the job
// now holds. Throws CommError when the store is unreachable.
std::string publish_abort(Store& store, const std::string& msg);
constexpr const char* kAbortKey = "abort";

// One failure report per process: true for the first caller (the main thread's error or the
// watchdog's), which then reports; a later caller leaves the reporting to it.
enum class Reporter { main_thread, watchdog };
bool claim_failure(Reporter who);
// The watchdog claimed it: it is about to end the process.
bool watchdog_is_ending_process();

// Prints the error line and writes torchrun's error file (no store involved).
void print_fatal_error(const std::string& what);

}  // namespace r1::dist
