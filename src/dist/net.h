// The few socket facts the launcher and the rendezvous need, without c10d.
#pragma once
#include <string>

namespace r1::dist {

// A TCP port that was free on `host` a moment ago (bound to port 0, read back, closed): what
// `r1 launch --master_port 0` uses. Another process may take it before rank 0 binds it; rank 0 then
// reports the port as in use.
int pick_free_port(const std::string& host = "127.0.0.1");

// localhost, 127.0.0.0/8 or ::1: every rank runs on this machine, so Gloo binds to loopback.
bool is_loopback_address(const std::string& host);

// This machine's host name (for messages).
std::string host_name();

}  // namespace r1::dist
