// jim-echo-bot: the C++ client library in one small program. It logs in over TCP (or
// WebSocket with --ws), answers every private message with "echo: <content>", and stops after
// --count answers or --seconds of silence.
//
//   build/bin/jim-echo-bot --port 8888 --user bot --count 1
//   build/bin/jim-cli ... then send "hi" to "bot" and get "echo: hi" back.

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <string>

#include "client/json_helpers.hpp"
#include "client/tcp_client.hpp"
#include "client/ws_client.hpp"

namespace {

using namespace std::chrono_literals;
using jim::client::parse_object;

// What the bot needs of a connection; TcpClient and WsClient both fit.
template <class Client>
int serve(Client& c, const std::string& user, int count, std::chrono::seconds quiet,
          std::string (*next)(Client&, std::chrono::milliseconds)) {
    int answered = 0;
    while (count <= 0 || answered < count) {
        const std::string push = next(c, quiet);  // the body of the next chat push (cmd 11)
        if (push.empty()) {
            std::cerr << "no message for " << quiet.count() << " s, stopping\n";
            break;
        }
        // {"command":11,"data":{"from":…,"to":…,"chatType":2,"content":…,…}}
        const auto o = parse_object(push);
        const auto* data = o ? o->if_contains("data") : nullptr;
        if (data == nullptr || !data->is_object()) continue;
        const auto& m = data->get_object();
        const auto* from = m.if_contains("from");
        const auto* content = m.if_contains("content");
        const auto* type = m.if_contains("chatType");
        if (from == nullptr || content == nullptr || type == nullptr || !from->is_string() ||
            !content->is_string() || *type != 2 || from->get_string() == user) {
            continue;  // only private messages from others
        }
        const std::string reply = "echo: " + std::string(content->get_string());
        const auto ack = c.chat(std::string(from->get_string()), reply, 5s);
        std::cout << from->get_string() << ": " << content->get_string() << " -> "
                  << (ack ? *ack : std::string("no ack")) << std::endl;
        ++answered;
    }
    return 0;
}

std::string next_tcp(jim::client::TcpClient& c, std::chrono::milliseconds wait) {
    auto f = c.read_until(11, wait);
    return f ? f->body : std::string();
}

std::string next_ws(jim::client::WsClient& c, std::chrono::milliseconds wait) {
    return c.read_text_until(11, wait).value_or("");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"jim-echo-bot: answers private messages with \"echo: <content>\""};
    std::string host = "127.0.0.1";
    int port = 8888;
    std::string user = "bot";
    std::string password = "bot";
    int count = 0;
    int seconds = 60;
    bool ws = false;
    app.add_option("--host", host, "Server address");
    app.add_option("--port", port, "Server port")->check(CLI::Range(1, 65535));
    app.add_option("--user", user, "User id to log in as");
    app.add_option("--password", password, "Password");
    app.add_option("--count", count, "Stop after this many answers (0: never)");
    app.add_option("--seconds", seconds, "Stop after this long without a message");
    app.add_flag("--ws", ws, "Use WebSocket instead of J-IM TCP");
    CLI11_PARSE(app, argc, argv);

    const auto p = static_cast<std::uint16_t>(port);
    const auto quiet = std::chrono::seconds(seconds);
    const auto logged_in = [&](const std::optional<std::string>& reply) {
        if (reply && jim::client::status_code(*reply) == 10007) return true;
        std::cerr << "login failed: " << reply.value_or("no reply") << '\n';
        return false;
    };
    if (ws) {
        auto c = jim::client::WsClient::connect(host, p, "/", 5s);
        if (!c) {
            std::cerr << "connect: " << c.error().message() << '\n';
            return 1;
        }
        if (!logged_in(c->login(user, password, 5s))) return 1;
        std::cout << "logged in as " << user << " (ws)" << std::endl;
        return serve(*c, user, count, quiet, next_ws);
    }
    auto c = jim::client::TcpClient::connect(host, p, 5s);
    if (!c) {
        std::cerr << "connect: " << c.error().message() << '\n';
        return 1;
    }
    if (!logged_in(c->login(user, password, 5s))) return 1;
    std::cout << "logged in as " << user << " (tcp)" << std::endl;
    return serve(*c, user, count, quiet, next_tcp);
}
