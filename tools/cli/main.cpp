// jim-cli: talk to a J-IM server over the TCP protocol from a shell (log in, send one private
// chat, listen for chats). A thin front end over jim::client::TcpClient.

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include "client/client.hpp"
#include "jim/base/version.hpp"
#include "jim/proto/command.hpp"

namespace {

using jim::client::TcpClient;
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

    std::chrono::milliseconds timeout() const { return std::chrono::milliseconds(timeout_ms); }
};

void add_connection_options(CLI::App& sub, Options& o) {
    sub.add_option("--host", o.host, "Server address (IPv4 or name)")->capture_default_str();
    sub.add_option("--port", o.port, "Server port")->capture_default_str();
    sub.add_option("-u,--user", o.user, "User id to log in as")->required();
    sub.add_option("-p,--password", o.password, "Password")->capture_default_str();
    sub.add_option("--timeout-ms", o.timeout_ms, "Connect and reply timeout in milliseconds")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
}

// Connects and logs in; prints what went wrong and returns nullopt on any failure. The login
// reply is printed to stdout when print_reply is set, to stderr only on failure otherwise.
std::optional<TcpClient> connect_and_login(const Options& o, bool print_reply) {
    auto connected = TcpClient::connect(o.host, o.port, o.timeout());
    if (!connected) {
        std::cerr << "jim-cli: cannot connect to " << o.host << ':' << o.port << ": "
                  << connected.error().message() << '\n';
        return std::nullopt;
    }
    TcpClient client = std::move(*connected);
    const auto reply = client.login(o.user, o.password, o.timeout());
    if (!reply) {
        std::cerr << "jim-cli: no login reply"
                  << (client.peer_closed() ? " (connection closed)" : " (timeout)") << '\n';
        return std::nullopt;
    }
    const bool ok = jim::client::status_code(*reply) == kLoginOk;
    if (print_reply) {
        std::cout << *reply << std::endl;
    } else if (!ok) {
        std::cerr << "jim-cli: login failed: " << *reply << '\n';
    }
    if (!ok) return std::nullopt;
    return client;
}

int run_login(const Options& o) {
    return connect_and_login(o, true) ? 0 : 1;
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
            if (!client->send(code(Command::heartbeat_req), R"({"cmd":13,"hbbyte":-128})")) {
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
    CLI::App app{"jim-cli: log in, send and listen on a J-IM server (TCP protocol)"};
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
