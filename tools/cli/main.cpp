// jim-cli: talk to a J-IM server from a shell (log in, send one private chat, listen for
// chats) over the TCP protocol or WebSocket (--ws), either optionally inside TLS (--tls). A thin
// front end over jim::client::TcpClient and jim::client::WsClient.

#include <CLI/CLI.hpp>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "client/client.hpp"
#include "jim/base/version.hpp"
#include "jim/proto/command.hpp"

namespace {

using jim::client::ConnectOptions;
using jim::client::Frame;
using jim::client::TcpClient;
using jim::client::WsClient;
using jim::proto::code;
using jim::proto::Command;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kLoginOk = 10007;
constexpr std::int64_t kChatDelivered = 10000;
constexpr std::int64_t kChatOffline = 10001;
constexpr auto kHeartbeatInterval = std::chrono::seconds(30);

struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8888;
    std::string user;
    std::string password = "123";
    int timeout_ms = 5000;
    bool ws = false;
    bool tls = false;
    std::string ca_file;
    std::string ws_path = "/";
    std::string ws_login = "frame";

    std::chrono::milliseconds timeout() const { return std::chrono::milliseconds(timeout_ms); }
    ConnectOptions transport() const {
        ConnectOptions o;
        o.tls = tls;
        o.ca_file = ca_file;
        return o;
    }
    std::string describe() const {
        return std::string(ws ? (tls ? "wss://" : "ws://") : (tls ? "tls://" : "")) + host + ':' +
               std::to_string(port);
    }
};

// What the subcommands need from a connection, over J-IM TCP frames or WebSocket text frames.
// Thread: the main thread only.
class Connection {
  public:
    virtual ~Connection() = default;
    virtual std::optional<std::string> login(const Options& o) = 0;
    virtual std::optional<std::string> chat(const std::string& to, const std::string& text,
                                            std::chrono::milliseconds timeout) = 0;
    virtual bool heartbeat() = 0;
    // The next server message as (command, JSON body); nullopt on timeout or close.
    virtual std::optional<Frame> read(std::chrono::milliseconds timeout) = 0;
    virtual bool peer_closed() const = 0;
};

class TcpConnection final : public Connection {
  public:
    explicit TcpConnection(TcpClient client) : client_(std::move(client)) {}
    std::optional<std::string> login(const Options& o) override {
        return client_.login(o.user, o.password, o.timeout());
    }
    std::optional<std::string> chat(const std::string& to, const std::string& text,
                                    std::chrono::milliseconds timeout) override {
        return client_.chat(to, text, timeout);
    }
    bool heartbeat() override {
        return client_.send(code(Command::heartbeat_req), R"({"cmd":13,"hbbyte":-128})");
    }
    std::optional<Frame> read(std::chrono::milliseconds timeout) override {
        return client_.read(timeout);
    }
    bool peer_closed() const override { return client_.peer_closed(); }

  private:
    TcpClient client_;
};

class WsConnection final : public Connection {
  public:
    WsConnection(WsClient client, bool query_login)
        : client_(std::move(client)), query_login_(query_login) {}
    std::optional<std::string> login(const Options& o) override {
        // With --ws-login query the server logs in from the upgrade URL (J-IM demo style).
        if (query_login_) return client_.read_text_until(code(Command::login_resp), o.timeout());
        return client_.login(o.user, o.password, o.timeout());
    }
    std::optional<std::string> chat(const std::string& to, const std::string& text,
                                    std::chrono::milliseconds timeout) override {
        return client_.chat(to, text, timeout);
    }
    bool heartbeat() override { return client_.send_text(R"({"cmd":13,"hbbyte":-128})"); }
    std::optional<Frame> read(std::chrono::milliseconds timeout) override {
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            // Control frames (pong, close) are answered by the client; only data is shown.
            auto m = client_.read_message(
                std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()));
            if (!m) return std::nullopt;
            if (!m->is_data()) continue;
            const auto command = jim::client::int_member(m->payload, "command").value_or(0);
            return Frame{static_cast<std::uint8_t>(command >= 0 && command < 256 ? command : 0),
                         std::move(m->payload)};
        }
    }
    bool peer_closed() const override { return client_.peer_closed(); }

  private:
    WsClient client_;
    bool query_login_;
};

// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay as they are).
std::string url_encode(const std::string& s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (std::isalnum(b) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(c);
        } else {
            out += {'%', kHex[b >> 4], kHex[b & 0xF]};
        }
    }
    return out;
}

// Opens the transport the options name; prints the problem and returns nullptr on failure.
std::unique_ptr<Connection> open_connection(const Options& o) {
    if (o.ws) {
        const bool query = o.ws_login == "query";
        std::string target = o.ws_path;
        if (query) {
            target += (target.find('?') == std::string::npos ? '?' : '&');
            target += "username=" + url_encode(o.user) + "&password=" + url_encode(o.password);
        }
        jim::client::WsOptions wo;
        wo.transport = o.transport();
        auto ws = WsClient::connect(o.host, o.port, target, o.timeout(), wo);
        if (!ws) {
            std::cerr << "jim-cli: cannot connect to " << o.describe() << ": "
                      << ws.error().message() << '\n';
            return nullptr;
        }
        return std::make_unique<WsConnection>(std::move(*ws), query);
    }
    auto tcp = TcpClient::connect(o.host, o.port, o.timeout(), o.transport());
    if (!tcp) {
        std::cerr << "jim-cli: cannot connect to " << o.describe() << ": " << tcp.error().message()
                  << '\n';
        return nullptr;
    }
    return std::make_unique<TcpConnection>(std::move(*tcp));
}

void add_connection_options(CLI::App& sub, Options& o) {
    sub.add_option("--host", o.host, "Server address (IPv4 or name)")->capture_default_str();
    sub.add_option("--port", o.port, "Server port")->capture_default_str();
    sub.add_option("-u,--user", o.user, "User id to log in as")->required();
    sub.add_option("-p,--password", o.password, "Password")->capture_default_str();
    sub.add_option("--timeout-ms", o.timeout_ms, "Connect and reply timeout in milliseconds")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    sub.add_flag("--ws", o.ws, "Speak WebSocket (JSON text frames) instead of TCP frames");
    sub.add_flag("--tls", o.tls, "Wrap the connection in TLS (tls:// or wss://)");
    sub.add_option("--ca-file", o.ca_file,
                   "With --tls: verify the server against these PEM certificates "
                   "(default: no verification)")
        ->check(CLI::ExistingFile);
    sub.add_option("--ws-path", o.ws_path, "With --ws: the upgrade request target")
        ->capture_default_str();
    sub.add_option("--ws-login", o.ws_login,
                   "With --ws: 'frame' sends a cmd 5 text frame, 'query' puts username and "
                   "password in the upgrade URL (J-IM demo)")
        ->capture_default_str()
        ->check(CLI::IsMember({"frame", "query"}));
}

// Connects and logs in; prints what went wrong and returns nullopt on any failure. The login
// reply is printed to stdout when print_reply is set, to stderr only on failure otherwise.
std::unique_ptr<Connection> connect_and_login(const Options& o, bool print_reply) {
    auto client = open_connection(o);
    if (!client) return nullptr;
    const auto reply = client->login(o);
    if (!reply) {
        std::cerr << "jim-cli: no login reply"
                  << (client->peer_closed() ? " (connection closed)" : " (timeout)") << '\n';
        return nullptr;
    }
    const bool ok = jim::client::status_code(*reply) == kLoginOk;
    if (print_reply) {
        std::cout << *reply << std::endl;
    } else if (!ok) {
        std::cerr << "jim-cli: login failed: " << *reply << '\n';
    }
    if (!ok) return nullptr;
    return client;
}

int run_login(const Options& o) {
    return connect_and_login(o, true) != nullptr ? 0 : 1;
}

int run_send(const Options& o, const std::string& to, const std::string& text) {
    auto client = connect_and_login(o, false);
    if (!client) return 1;
    const auto ack = client->chat(to, text, o.timeout());
    if (!ack) {
        std::cerr << "jim-cli: no chat acknowledgement"
                  << (client->peer_closed() ? " (connection closed)" : " (timeout)") << '\n';
        return 1;
    }
    std::cout << *ack << std::endl;
    const auto status = jim::client::status_code(*ack);
    return status == kChatDelivered || status == kChatOffline ? 0 : 1;
}

// Prints a pushed chat (spec §5.6: {"command":11,"data":{ChatBody}}) as "from: content".
void print_chat(const std::string& body) {
    const auto msg = jim::client::parse_object(body);
    const auto* data = msg ? msg->if_contains("data") : nullptr;
    if (data == nullptr || !data->is_object()) {
        std::cout << "?: " << body << std::endl;
        return;
    }
    const auto& chat = data->get_object();
    auto text = [&chat](const char* key) -> std::string {
        const auto* v = chat.if_contains(key);
        return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    std::cout << text("from") << ": " << text("content") << std::endl;
}

// Returns 0 when the time is up, 1 when the server closed the connection or a send failed.
int run_listen(const Options& o, int seconds, bool verbose) {
    auto client = connect_and_login(o, verbose);
    if (!client) return 1;
    const auto start = Clock::now();
    const std::optional<Clock::time_point> end =
        seconds > 0 ? std::optional(start + std::chrono::seconds(seconds)) : std::nullopt;
    auto next_heartbeat = start + kHeartbeatInterval;
    for (;;) {
        const auto now = Clock::now();
        if (end && now >= *end) return 0;
        if (now >= next_heartbeat) {
            if (!client->heartbeat()) {
                std::cerr << "jim-cli: heartbeat failed\n";
                return 1;
            }
            next_heartbeat = now + kHeartbeatInterval;
        }
        const auto wake = end ? std::min(*end, next_heartbeat) : next_heartbeat;
        const auto frame =
            client->read(std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now()));
        if (frame) {
            if (frame->command == code(Command::chat_req)) {
                print_chat(frame->body);
            } else if (verbose) {
                std::cerr << "[cmd " << int{frame->command} << "] " << frame->body << '\n';
            }
        } else if (client->peer_closed()) {
            std::cerr << "jim-cli: server closed the connection\n";
            return 1;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "jim-cli: log in, send and listen on a J-IM server (TCP or WebSocket, plain or TLS)"};
    app.set_version_flag("--version", std::string(jim::kVersion));
    app.require_subcommand(1);

    Options opts;
    std::string to;
    std::string text;
    int seconds = 0;
    bool verbose = false;

    auto* login = app.add_subcommand("login", "Log in and print the reply (exit 0 if accepted)");
    add_connection_options(*login, opts);

    auto* send = app.add_subcommand(
        "send", "Log in, send one private chat and print the ack (exit 0 on 10000/10001)");
    add_connection_options(*send, opts);
    send->add_option("--to", to, "Receiver user id")->required();
    send->add_option("--text", text, "Message content")->required();

    auto* listen = app.add_subcommand(
        "listen", "Log in and print incoming chats as 'from: content' (heartbeat every 30 s)");
    add_connection_options(*listen, opts);
    listen->add_option("--seconds", seconds, "Stop after N seconds (0 = until the server closes)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    listen->add_flag("-v,--verbose", verbose, "Print the login reply and other frames to stderr");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (*login) return run_login(opts);
    if (*send) return run_send(opts, to, text);
    return run_listen(opts, seconds, verbose);
}
