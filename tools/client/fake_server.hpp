#pragma once
// In-test fake servers for the client tests: a one-connection loopback server whose behaviour is
// a script run on its own thread, over plain TCP or TLS. The server side is deliberately simple
// and blocking (socket timeouts of 5 s bound every call), so it cannot hang a test.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace jim::client::testing {

// The accepted connection as the script sees it: blocking reads and writes, decrypted when
// TLS is on. Thread: the server thread only.
class ServerConn {
  public:
    ServerConn(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}

    int fd() const { return fd_; }
    bool write(std::string_view bytes) {
        while (!bytes.empty()) {
            const long n = ssl_ != nullptr
                               ? SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()))
                               : ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    // One write per byte (one TLS record per byte with TLS): the client sees many pieces.
    bool write_bytewise(std::string_view bytes) {
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            if (!write(bytes.substr(i, 1))) return false;
        }
        return true;
    }
    // Everything up to and including `delim` (the rest stays buffered); nullopt on EOF/timeout.
    std::optional<std::string> read_until(std::string_view delim) {
        for (;;) {
            const auto at = buffer_.find(delim);
            if (at != std::string::npos) return take(at + delim.size());
            if (!fill()) return std::nullopt;
        }
    }
    std::optional<std::string> read_exact(std::size_t n) {
        while (buffer_.size() < n) {
            if (!fill()) return std::nullopt;
        }
        return take(n);
    }
    // True when the client closed (EOF) before the socket timeout; input is discarded.
    bool wait_eof() {
        while (fill()) buffer_.clear();
        return eof_;
    }

  private:
    bool fill() {
        char chunk[4096];
        const long n = ssl_ != nullptr ? SSL_read(ssl_, chunk, sizeof chunk)
                                       : ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) {
            eof_ = n == 0 || (ssl_ != nullptr &&
                              SSL_get_error(ssl_, static_cast<int>(n)) == SSL_ERROR_ZERO_RETURN);
            return false;
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }
    std::string take(std::size_t n) {
        std::string out = buffer_.substr(0, n);
        buffer_.erase(0, n);
        return out;
    }

    int fd_;
    SSL* ssl_;
    std::string buffer_;
    bool eof_ = false;
};

// A one-connection server on 127.0.0.1:<ephemeral> that runs `script` on the accepted
// connection in its own thread and closes it afterwards (with close_notify under TLS). With a
// server context it completes a TLS handshake first; a failed handshake skips the script.
// Thread: constructed and destroyed by the test thread; the script runs on the server thread.
class FakeServer {
  public:
    using Script = std::function<void(ServerConn&)>;

    explicit FakeServer(Script script, SSL_CTX* tls = nullptr) { start(std::move(script), tls); }
    // Plain TCP with the raw socket, for tests that poke at it directly.
    explicit FakeServer(std::function<void(int)> script) {
        start([s = std::move(script)](ServerConn& c) { s(c.fd()); }, nullptr);
    }
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;
    ~FakeServer() {
        join();
        if (listen_fd_ >= 0) ::close(listen_fd_);
    }

    std::uint16_t port() const { return port_; }
    // Waits for the script to finish; afterwards peer_ip(), sni() and handshake_ok() are safe.
    void join() {
        if (thread_.joinable()) thread_.join();
    }
    const std::string& peer_ip() const { return peer_ip_; }
    const std::string& sni() const { return sni_; }
    bool handshake_ok() const { return handshake_ok_; }

  private:
    void start(Script script, SSL_CTX* tls) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
            ::listen(listen_fd_, 4) != 0 ||
            ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            ADD_FAILURE() << "cannot listen on 127.0.0.1";
            return;
        }
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this, script = std::move(script), tls] { serve(script, tls); });
    }

    void serve(const Script& script, SSL_CTX* tls) {
        // A write to a connection the client already closed must fail, not kill the test: the
        // signal is directed at this thread and dies with it. The client itself gets no such
        // help, so its own SIGPIPE safety stays tested.
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 5000) != 1) return;
        sockaddr_in peer{};
        socklen_t peer_len = sizeof peer;
        const int fd = ::accept(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &peer_len);
        if (fd < 0) return;
        char ip[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof ip);
        peer_ip_ = ip;
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const timeval limit{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
        SSL* ssl = nullptr;
        if (tls != nullptr) {
            ssl = SSL_new(tls);
            SSL_set_fd(ssl, fd);
            handshake_ok_ = SSL_accept(ssl) == 1;
            if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) sni_ = name;
        } else {
            handshake_ok_ = true;
        }
        if (handshake_ok_) {
            ServerConn conn(fd, ssl);
            script(conn);
            if (ssl != nullptr) SSL_shutdown(ssl);
        }
        if (ssl != nullptr) SSL_free(ssl);
        ::close(fd);
    }

    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::string peer_ip_;
    std::string sni_;
    bool handshake_ok_ = false;
    std::thread thread_;
};

// Names the instances of a test parameterised on "use TLS" (bool): plain / tls.
inline std::string transport_name(const ::testing::TestParamInfo<bool>& param) {
    return param.param ? "tls" : "plain";
}

}  // namespace jim::client::testing
