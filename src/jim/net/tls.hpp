#pragma once
// TLS on the shared port. OpenSSL drives the connection's non-blocking socket itself
// (SSL_set_fd), with SSL_MODE_RELEASE_BUFFERS so an idle TLS connection holds no record buffers.
// TlsContext: Thread: any (immutable after construction). TlsSession: owning worker only.

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace jim::net {

class TlsContext {
  public:
    // Loads a PEM certificate chain and private key. TLS 1.2+ only, modern AEAD ciphers.
    // Throws std::runtime_error with OpenSSL's reason at start-up.
    TlsContext(const std::string& cert_file, const std::string& key_file);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    SSL_CTX* native() const noexcept { return ctx_; }

  private:
    SSL_CTX* ctx_ = nullptr;
};

struct SslDeleter {
    void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
};
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

// Per-connection TLS state.
struct TlsSession {
    SslPtr ssl;
    std::size_t retry_len = 0;  // plaintext length of a write that must be retried as is
};

// A server session on a connected non-blocking socket, in accept state (OpenSSL reads and
// writes the socket itself). nullopt when OpenSSL cannot make one.
std::optional<TlsSession> new_tls_session(const TlsContext& ctx, int fd);

// Writes a self-signed EC P-256 certificate and key for development (jim-server gen-cert DIR).
// Returns the paths written; throws std::runtime_error on failure.
std::pair<std::string, std::string> generate_self_signed(const std::string& dir,
                                                         const std::string& common_name);

}  // namespace jim::net
