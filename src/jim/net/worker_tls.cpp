// TLS underneath any protocol on the shared port: a first byte of 0x16 starts a TLS session and
// detection runs again on the decrypted bytes, so TLS-TCP, wss and https share the port.
// OpenSSL drives the non-blocking socket itself (SSL_set_fd).

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <sys/socket.h>

#include <cerrno>
#include <climits>

#include "jim/net/conn_extra.hpp"
#include "jim/net/server.hpp"
#include "jim/net/worker.hpp"
#include "jim/net/worker_internal.hpp"

namespace jim::net {

// Before the first byte is consumed, peeks at it: 0x16 (a TLS handshake record) turns the
// connection into a TLS one. Returns false when the connection closed or must wait.
bool Worker::maybe_start_tls(Connection& c) {
    TlsContext* ctx = server_.tls_context();
    if (ctx == nullptr || c.tls || c.protocol != codec::Protocol::unknown ||
        !c.pending_in.empty()) {
        return true;
    }
    char first = 0;
    const ssize_t n = ::recv(c.socket.native_handle(), &first, 1, MSG_PEEK);
    if (n == 0) {
        destroy(c, Errc::peer_closed);
        return false;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            arm_read(c);
        } else {
            destroy(c, Errc::io_error);
        }
        return false;
    }
    if (first != 0x16) return true;
    auto session = new_tls_session(*ctx, c.socket.native_handle());
    if (!session) {
        destroy(c, Errc::io_error);
        return false;
    }
    extra(c).tls.emplace(std::move(*session));
    c.tls = true;
    return true;
}

// Like read(2): > 0 bytes of plaintext, 0 at the end, -1 with errno (EAGAIN: try later).
ssize_t Worker::tls_read(Connection& c, char* buf, std::size_t size) {
    SSL* ssl = c.extra->tls->ssl.get();
    ERR_clear_error();
    const int n = SSL_read(ssl, buf, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
    if (n > 0) {
        // A write that waited for the handshake can go now.
        if (!c.outbox.empty()) mark_dirty(c);
        return n;
    }
    switch (SSL_get_error(ssl, n)) {
        case SSL_ERROR_WANT_READ:
            errno = EAGAIN;
            return -1;
        case SSL_ERROR_WANT_WRITE:
            // The handshake needs to send and the socket is full; the writable handler resumes.
            if (!c.write_armed) arm_write(c);
            errno = EAGAIN;
            return -1;
        case SSL_ERROR_ZERO_RETURN:
            return 0;
        case SSL_ERROR_SYSCALL:
            if (errno == 0) return 0;
            return -1;
        default:
            errno = EPROTO;
            return -1;
    }
}

// Plaintext (headers included) goes through SSL_write in chunks of about one record. A write
// OpenSSL could not finish is retried with the same bytes, as SSL_write requires.
void Worker::flush_tls(Connection& c) {
    TlsSession& t = *c.extra->tls;
    if (tls_buffer_.empty()) tls_buffer_.resize(detail::kTlsWriteChunk);
    while (!c.outbox.empty()) {
        const std::size_t len =
            gather(c, tls_buffer_.data(), t.retry_len != 0 ? t.retry_len : tls_buffer_.size());
        ERR_clear_error();
        const int n = SSL_write(t.ssl.get(), tls_buffer_.data(), static_cast<int>(len));
        stats_.add(stats_.writes);
        if (n > 0) {
            t.retry_len = 0;
            consume_output(c, static_cast<std::size_t>(n));
            continue;
        }
        const int err = SSL_get_error(t.ssl.get(), n);
        if (err == SSL_ERROR_WANT_WRITE) {
            t.retry_len = len;
            arm_write(c);
            return;
        }
        if (err == SSL_ERROR_WANT_READ) {
            t.retry_len = len;  // the handshake is not done; the next read resumes the write
            return;
        }
        destroy(c, err == SSL_ERROR_SYSCALL ? Errc::peer_closed : Errc::io_error);
        return;
    }
}

}  // namespace jim::net
