#pragma once
// Internal to jim_client (not installed, not included by users): the poll helper shared by the
// plain and TLS paths of Stream, and the TLS half of Stream implemented in tls.cpp.

#include <boost/system/error_code.hpp>

#include <span>
#include <string>
#include <string_view>

#include "client/stream.hpp"

namespace jim::client::detail {

// Waits for `events` on fd until deadline. Returns revents, 0 on timeout, -1 on poll error.
int wait_for(int fd, short events, SteadyClock::time_point deadline);

// Runs the client side of a TLS handshake on the connected non-blocking socket `fd`. On
// success stores the session in `out` (caller owns it; free with tls_free).
boost::system::error_code tls_handshake(int fd, const std::string& host,
                                        const ConnectOptions& options,
                                        SteadyClock::time_point deadline, ssl_st*& out);
// `failed` is set when a fatal TLS error happened (the session may then not be shut down).
IoStatus tls_write_all(ssl_st* ssl, int fd, std::string_view bytes,
                       SteadyClock::time_point deadline, bool& failed);
ReadResult tls_read_some(ssl_st* ssl, int fd, std::span<char> out, SteadyClock::time_point deadline,
                         bool& failed);
// Sends close_notify without waiting (unless `failed`) and frees the session.
void tls_free(ssl_st* ssl, bool failed);
std::string tls_version(const ssl_st* ssl);

}  // namespace jim::client::detail
