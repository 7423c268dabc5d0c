// The TLS half of Stream: OpenSSL over a non-blocking socket. Every SSL_* call is tried first
// and, when OpenSSL wants the socket readable or writable, retried after a poll() bounded by the
// caller's deadline, so the handshake obeys the same deadlines as reads and writes.
//
// The session reads and writes the socket through a small BIO of our own instead of
// SSL_set_fd: OpenSSL's socket BIO uses write(), which raises SIGPIPE on a reset connection and
// would kill a test process; ours uses send(MSG_NOSIGNAL).

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <string>

#include "client/stream_detail.hpp"

namespace jim::client::detail {
namespace {

// --- error codes ---------------------------------------------------------------------------

// OpenSSL's packed error codes (library and reason) fit in an int for non-system errors.
class TlsCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "tls"; }
    std::string message(int ev) const override {
        char buf[256];
        ::ERR_error_string_n(static_cast<unsigned long>(ev), buf, sizeof buf);
        return buf;
    }
};

// X.509 verification results (X509_V_ERR_*), e.g. "self-signed certificate".
class X509Category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "x509"; }
    std::string message(int ev) const override {
        return std::string("certificate verify failed: ") + ::X509_verify_cert_error_string(ev);
    }
};

const TlsCategory kTlsCategory;
const X509Category kX509Category;

// The error behind a failed handshake: the X.509 verdict if verification failed, else the
// first OpenSSL error, else errno (or "connection reset" for an EOF mid-handshake).
boost::system::error_code handshake_error(SSL* ssl, int saved_errno) {
    const bool verifying = ssl != nullptr && ::SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE;
    const long verify = verifying ? ::SSL_get_verify_result(ssl) : X509_V_OK;
    if (verify != X509_V_OK) return {static_cast<int>(verify), kX509Category};
    const unsigned long e = ::ERR_peek_error();
    ::ERR_clear_error();
    if (e != 0 && ERR_SYSTEM_ERROR(e)) {
        return {static_cast<int>(ERR_GET_REASON(e)), boost::system::system_category()};
    }
    if (e != 0) return {static_cast<int>(e & INT_MAX), kTlsCategory};
    if (saved_errno != 0) return {saved_errno, boost::system::system_category()};
    return boost::system::errc::make_error_code(boost::system::errc::connection_reset);
}

// --- a socket BIO that never raises SIGPIPE ------------------------------------------------

int fd_of(BIO* bio) {
    return static_cast<int>(reinterpret_cast<std::intptr_t>(::BIO_get_data(bio)));
}

int bio_write(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    for (;;) {
        const ssize_t n = ::send(fd_of(bio), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
        if (n >= 0) return static_cast<int>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(bio);
        return -1;
    }
}

int bio_read(BIO* bio, char* out, int size) {
    BIO_clear_retry_flags(bio);
    for (;;) {
        const ssize_t n = ::recv(fd_of(bio), out, static_cast<std::size_t>(size), 0);
        if (n > 0) return static_cast<int>(n);
        if (n == 0) {
            // BIO_eof() must report it, or OpenSSL calls a clean EOF a truncation attack.
            ::BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
            return 0;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(bio);
        return -1;
    }
}

long bio_ctrl(BIO* bio, int cmd, long /*num*/, void* /*ptr*/) {
    switch (cmd) {
        case BIO_CTRL_FLUSH:
            return 1;  // send() does not buffer
        case BIO_CTRL_EOF:
            return ::BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
        default:
            return 0;  // not supported: pending counts, kTLS, fd queries
    }
}

int bio_create(BIO* /*bio*/) {
    return 1;
}

// Built once, shared by every session and never freed (BIO_METHODs are immutable once set up).
const BIO_METHOD* nosigpipe_method() {
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m =
            ::BIO_meth_new(::BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "jim nosigpipe socket");
        ::BIO_meth_set_write(m, bio_write);
        ::BIO_meth_set_read(m, bio_read);
        ::BIO_meth_set_ctrl(m, bio_ctrl);
        ::BIO_meth_set_create(m, bio_create);
        return m;
    }();
    return method;
}

// --- session setup -------------------------------------------------------------------------

bool is_ip_literal(const std::string& name) {
    unsigned char buf[sizeof(in6_addr)];
    return ::inet_pton(AF_INET, name.c_str(), buf) == 1 ||
           ::inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

// Creates the session with SNI, verification and our BIO. nullptr with an error on failure.
SSL* new_session(int fd, const std::string& host, const ConnectOptions& options,
                 boost::system::error_code& ec) {
    SSL_CTX* ctx = ::SSL_CTX_new(::TLS_client_method());
    if (ctx == nullptr) {
        ec = handshake_error(nullptr, 0);
        return nullptr;
    }
    ::SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    const bool verify = !options.ca_file.empty();
    if (verify && ::SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
        ec = handshake_error(nullptr, 0);
        ::SSL_CTX_free(ctx);
        return nullptr;
    }
    ::SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    SSL* ssl = ::SSL_new(ctx);
    ::SSL_CTX_free(ctx);  // the session holds its own reference
    if (ssl == nullptr) {
        ec = handshake_error(nullptr, 0);
        return nullptr;
    }
    ::SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // A server that closes without close_notify (HTTP "ended by close") is an ordinary EOF.
    ::SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
    const std::string& name = options.server_name.empty() ? host : options.server_name;
    const bool ip = is_ip_literal(name);
    if (!ip) ::SSL_set_tlsext_host_name(ssl, name.c_str());
    if (verify) {
        X509_VERIFY_PARAM* param = ::SSL_get0_param(ssl);
        const int ok = ip ? ::X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                          : ::SSL_set1_host(ssl, name.c_str());
        if (ok != 1) {
            ec = handshake_error(ssl, 0);
            ::SSL_free(ssl);
            return nullptr;
        }
    }
    BIO* bio = ::BIO_new(nosigpipe_method());
    if (bio == nullptr) {
        ec = handshake_error(ssl, 0);
        ::SSL_free(ssl);
        return nullptr;
    }
    ::BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
    ::BIO_set_init(bio, 1);
    ::SSL_set_bio(ssl, bio, bio);  // the session owns the BIO
    return ssl;
}

// What to do after an SSL_* call returned `ret` <= 0: wait for the socket (true) or give up.
// Sets `timed_out` when the deadline passed while waiting.
bool wait_as_wanted(SSL* ssl, int fd, int ret, SteadyClock::time_point deadline, bool& timed_out) {
    timed_out = false;
    const int err = ::SSL_get_error(ssl, ret);
    short events = 0;
    if (err == SSL_ERROR_WANT_READ) events = POLLIN;
    if (err == SSL_ERROR_WANT_WRITE) events = POLLOUT;
    if (events == 0) return false;
    const int revents = wait_for(fd, events, deadline);
    if (revents == 0) timed_out = true;
    // POLLHUP/POLLERR: retry anyway; the next call reports EOF or the socket error.
    return revents > 0;
}

bool fatal(SSL* ssl, int ret) {
    const int err = ::SSL_get_error(ssl, ret);
    return err == SSL_ERROR_SSL || err == SSL_ERROR_SYSCALL;
}

}  // namespace

boost::system::error_code tls_handshake(int fd, const std::string& host,
                                        const ConnectOptions& options,
                                        SteadyClock::time_point deadline, ssl_st*& out) {
    ::ERR_clear_error();
    boost::system::error_code ec;
    SSL* ssl = new_session(fd, host, options, ec);
    if (ssl == nullptr) return ec;
    for (;;) {
        ::ERR_clear_error();
        errno = 0;
        const int ret = ::SSL_connect(ssl);
        if (ret == 1) break;
        const int saved_errno = errno;
        bool timed_out = false;
        if (wait_as_wanted(ssl, fd, ret, deadline, timed_out)) continue;
        ec = timed_out ? boost::system::errc::make_error_code(boost::system::errc::timed_out)
                       : handshake_error(ssl, saved_errno);
        ::SSL_free(ssl);
        return ec;
    }
    out = ssl;
    return {};
}

IoStatus tls_write_all(ssl_st* ssl, int fd, std::string_view bytes,
                       SteadyClock::time_point deadline, bool& failed) {
    while (!bytes.empty()) {
        ::ERR_clear_error();
        const int size = static_cast<int>(std::min<std::size_t>(bytes.size(), INT_MAX));
        const int n = ::SSL_write(ssl, bytes.data(), size);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        bool timed_out = false;
        if (wait_as_wanted(ssl, fd, n, deadline, timed_out)) continue;
        if (timed_out) return IoStatus::timeout;
        failed = failed || fatal(ssl, n);
        return IoStatus::closed;
    }
    return IoStatus::ok;
}

ReadResult tls_read_some(ssl_st* ssl, int fd, std::span<char> out, SteadyClock::time_point deadline,
                         bool& failed) {
    const int size = static_cast<int>(std::min<std::size_t>(out.size(), INT_MAX));
    for (;;) {
        ::ERR_clear_error();
        const int n = ::SSL_read(ssl, out.data(), size);
        if (n > 0) return {IoStatus::ok, static_cast<std::size_t>(n)};
        bool timed_out = false;
        if (wait_as_wanted(ssl, fd, n, deadline, timed_out)) continue;
        if (timed_out) return {IoStatus::timeout, 0};
        failed = failed || fatal(ssl, n);  // SSL_ERROR_ZERO_RETURN is a clean close_notify
        return {IoStatus::closed, 0};
    }
}

void tls_free(ssl_st* ssl, bool failed) {
    ::ERR_clear_error();
    if (!failed) ::SSL_shutdown(ssl);  // one non-blocking attempt to send close_notify
    ::SSL_free(ssl);
    ::ERR_clear_error();
}

std::string tls_version(const ssl_st* ssl) {
    return ::SSL_get_version(ssl);
}

}  // namespace jim::client::detail
