// Fuzzes the HTTP request path as a connection runs it: Beast's parser with the server's limits,
// then the API router and static files on whatever request comes out, answered as bytes.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "jim/api/http_api.hpp"
#include "jim/auth/authenticator.hpp"
#include "jim/base/clock.hpp"
#include "jim/router/groups.hpp"
#include "jim/service/command_service.hpp"

namespace http = boost::beast::http;

namespace {

// Nobody is online: the admin routes' service calls find no sessions.
class NoSessions final : public jim::service::Delivery {
  public:
    std::size_t send_to_user(std::string_view, std::uint8_t, const jim::SharedBytes&,
                             jim::router::SessionRef) override {
        return 0;
    }
    void send_to_session(jim::router::SessionRef, std::uint8_t, const jim::SharedBytes&) override {}
    std::size_t close_user(std::string_view, jim::Errc) override { return 0; }
    bool online(std::string_view) override { return false; }
    std::vector<SessionEntry> sessions_of(std::string_view) override { return {}; }
    void close_session(jim::router::SessionRef, jim::Errc) override {}
};

class FakeBackend final : public jim::api::Backend {
  public:
    bool online(std::string_view user) override { return user == "alice"; }
    std::size_t online_count() override { return 1; }
    std::vector<std::string> online_users(std::size_t limit) override {
        return limit == 0 ? std::vector<std::string>{} : std::vector<std::string>{"alice"};
    }
    std::vector<jim::api::SessionInfo> sessions(std::string_view) override { return {}; }
    std::size_t kick(std::string_view) override { return 0; }
    void send_chat(std::string_view, std::string_view body,
                   std::function<void(jim::service::ChatOutcome)> done) override {
        jim::service::ChatOutcome out;
        out.error = body.empty() ? jim::Errc::bad_json : jim::Errc::ok;
        out.code = body.empty() ? 10002 : 10000;
        done(out);
    }
    void set_profile(std::string, jim::router::Profile,
                     std::function<void(jim::Errc)> done) override {
        done(jim::Errc::ok);
    }
    void get_profile(
        std::string user,
        std::function<void(jim::Result<std::optional<jim::router::Profile>>)> done) override {
        if (user == "alice") {
            done(std::optional<jim::router::Profile>(jim::router::Profile{}));
        } else {
            done(std::optional<jim::router::Profile>());
        }
    }
    void add_friend(std::string, std::string, std::string,
                    std::function<void(jim::Errc)> done) override {
        done(jim::Errc::ok);
    }
    void remove_friend(std::string, std::string, std::function<void(jim::Errc)> done) override {
        done(jim::Errc::ok);
    }
    void friends(std::string,
                 std::function<void(jim::Result<std::vector<jim::store::Friend>>)> done) override {
        done(std::vector<jim::store::Friend>{});
    }
    void recall(jim::service::RecallTarget target,
                std::function<void(jim::service::RecallOutcome)> done) override {
        jim::service::RecallOutcome out;
        out.error = target.seq == 0 && target.id.empty() ? jim::Errc::missing_field : jim::Errc::ok;
        out.code = out.error == jim::Errc::ok ? 10000 : 10002;
        done(out);
    }
    bool ready() override { return true; }
    std::string metrics_text() override { return "jim_up 1\n"; }
    // The admin routes run on a real CommandService without a store (answers 501 where one is
    // needed); its completions run at once, as if posted to this worker.
    jim::service::CommandService& service() noexcept override { return service_; }
    jim::service::WorkerContext& context() override { return context_; }
    std::string stats_json() override { return R"({"online":1})"; }

  private:
    std::unique_ptr<jim::auth::Authenticator> auth_ = jim::auth::make_open_authenticator();
    jim::ManualClock clock_{1700000000000};
    jim::router::Groups groups_;
    NoSessions delivery_;
    jim::service::CommandService service_{*auth_, delivery_, groups_, clock_};
    jim::service::WorkerContext context_{jim::proto::MessageIdGenerator(1, 1),
                                         [](std::function<void()> fn) { fn(); }};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static FakeBackend backend;
    // A root that does not exist: every static path must come back as a clean 404.
    static jim::api::HttpApi api(jim::api::ApiOptions{"", "/nonexistent-jim-fuzz-root"}, backend);
    const auto* p = reinterpret_cast<const char*>(data);
    std::size_t off = 0;
    for (int requests = 0; requests < 8 && off < size; ++requests) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(16 * 1024);
        parser.body_limit(1024 * 1024);
        parser.eager(true);
        boost::system::error_code ec;
        const std::size_t n = parser.put(boost::asio::buffer(p + off, size - off), ec);
        JIM_FUZZ_CHECK(n <= size - off);
        off += n;
        if (ec || !parser.is_done()) return 0;
        auto req = parser.release();
        for (const bool loopback : {true, false}) {
            bool answered = false;
            api.handle(req, loopback, [&](jim::api::Response res) {
                answered = true;
                const std::string bytes = jim::api::serialize(res, false);
                JIM_FUZZ_CHECK(bytes.rfind("HTTP/1.1 ", 0) == 0);
                JIM_FUZZ_CHECK(res.result_int() != 200 || loopback ||
                               req.target().substr(0, 5) != "/api/");
            });
            JIM_FUZZ_CHECK(answered);
        }
    }
    return 0;
}
