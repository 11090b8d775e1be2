// The loopback callback server, driven over real sockets on 127.0.0.1 (and ::1 when present).

#include "loopback_client.hpp"
#include "support/test_env.hpp"

#include <authflow/core/clock.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/native/callback_server.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <thread>

namespace authflow {
namespace {

using test::can_connect;
using test::http_get;
using test::http_request;
using test::raw_exchange;

constexpr const char* state = "st4te-Abc_123";

CallbackServerOptions options_with_state(std::string expected = state) {
    CallbackServerOptions options;
    options.expected_state = std::move(expected);
    return options;
}

// Waits (yielding, no sleep) until `clock` has a blocked waiter.
void wait_for_waiter(const std::shared_ptr<ManualClock>& clock) {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (clock->waiters() == 0 && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::yield();
    }
    ASSERT_GT(clock->waiters(), 0u) << "the waiting thread never blocked";
}

// The flow is still waiting: a wait with a deadline already reached returns nothing.
bool still_waiting(CallbackServer& server, Clock& clock) {
    return !server.try_wait_until(clock.steady_now()).has_value();
}

errc code_of_wait(CallbackServer& server, std::chrono::milliseconds timeout) {
    try {
        server.wait(timeout);
    } catch (const Error& e) {
        return e.code();
    }
    return errc::internal;
}

bool ipv6_loopback_available() {
    test::Socket sock{::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (!sock.valid()) {
        return false;
    }
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_loopback;
    return ::bind(sock.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

TEST(CallbackServer, PortZeroGivesARealPort) {
    CallbackServer server(options_with_state());
    EXPECT_EQ(server.port(), 0);
    EXPECT_EQ(server.redirect_uri(), "");
    server.start();
    ASSERT_GT(server.port(), 0);
    EXPECT_EQ(server.redirect_uri(),
              "http://127.0.0.1:" + std::to_string(server.port()) + "/callback");
    EXPECT_TRUE(server.is_running());
    EXPECT_TRUE(can_connect("127.0.0.1", server.port()));
}

TEST(CallbackServer, RightStateCompletesWithCodeAndIss) {
    CallbackServer server(options_with_state());
    server.start();
    auto res = http_get("127.0.0.1", server.port(),
                        "/callback?code=c0de%2Bx&state=" + std::string{state} +
                            "&iss=https%3A%2F%2Fop.example&extra=1");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_NE(res->body.find("You can close this window"), std::string::npos);
    auto result = server.wait(std::chrono::seconds(10));
    EXPECT_FALSE(result.is_error());
    EXPECT_EQ(result.code, "c0de+x");
    EXPECT_EQ(result.state, state);
    EXPECT_EQ(result.iss, "https://op.example");
    EXPECT_EQ(result.params.get("extra"), "1");
    ASSERT_EQ(result.params.size(), 4u);
    EXPECT_EQ(result.params.items()[0].first, "code");
    // The success page shows neither the code nor the state.
    EXPECT_EQ(res->body.find("c0de"), std::string::npos);
    EXPECT_EQ(res->body.find(state), std::string::npos);
}

TEST(CallbackServer, ProviderErrorCompletesAsFailure) {
    CallbackServer server(options_with_state());
    server.start();
    auto res = http_get("127.0.0.1", server.port(),
                        "/callback?error=access_denied&error_description=The+user+said+no&state=" +
                            std::string{state});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_NE(res->body.find("The user said no"), std::string::npos);
    EXPECT_NE(res->body.find("access_denied"), std::string::npos);
    EXPECT_EQ(res->body.find(state), std::string::npos);
    auto result = server.wait(std::chrono::seconds(10));
    EXPECT_TRUE(result.is_error());
    EXPECT_EQ(result.error, "access_denied");
    EXPECT_EQ(result.error_description, "The user said no");
    EXPECT_EQ(result.code, "");
}

TEST(CallbackServer, RightStateWithoutCodeCompletesWithTheErrorPage) {
    CallbackServer server(options_with_state());
    server.start();
    auto res = http_get("127.0.0.1", server.port(), "/callback?state=" + std::string{state});
    ASSERT_TRUE(res);
    EXPECT_NE(res->body.find("no authorization code"), std::string::npos);
    auto result = server.wait(std::chrono::seconds(10));
    EXPECT_FALSE(result.is_error());
    EXPECT_EQ(result.code, ""); // the caller's check reports missing_code
}

TEST(CallbackServer, ForeignRequestsKeepTheFlowWaiting) {
    CallbackServer server(options_with_state());
    server.start();
    const int port = server.port();
    struct Case {
        std::string target;
        int status;
    };
    const Case cases[] = {
        {"/callback?code=evil&state=wrong", 400},
        {"/callback?code=evil", 400},
        {"/callback?code=evil&state=", 400},
        {"/callback?code=evil&state=" + std::string{state} + "x", 400},
        {"/callback?code=evil&state=" + std::string{state}.substr(1), 400},
        // Two states, one of them right: not an answer to our request (RFC 6749 §3.1).
        {"/callback?code=evil&state=" + std::string{state} + "&state=" + std::string{state}, 400},
        // The right state but an undecodable query.
        {"/callback?code=%zz&state=" + std::string{state}, 400},
        {"/callback/?code=evil&state=" + std::string{state}, 404},
        {"/CALLBACK?code=evil&state=" + std::string{state}, 404},
        {"/favicon.ico", 404},
        {"/other?state=" + std::string{state}, 404},
        {"/.env", 404},
        {"/", 200},
    };
    for (const auto& c : cases) {
        auto res = http_get("127.0.0.1", port, c.target);
        ASSERT_TRUE(res) << c.target;
        EXPECT_EQ(res->status, c.status) << c.target;
        EXPECT_TRUE(still_waiting(server, system_clock())) << c.target;
    }
    auto res = http_get("127.0.0.1", port, "/callback?code=good&state=" + std::string{state});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(server.wait(std::chrono::seconds(10)).code, "good");
}

TEST(CallbackServer, PagesCarryTheSecurityHeaders) {
    CallbackServer server(options_with_state());
    server.start();
    const int port = server.port();
    auto check = [](const std::optional<test::Reply>& res, const std::string& what) {
        ASSERT_TRUE(res) << what;
        EXPECT_EQ(res->get_header_value("Content-Security-Policy"),
                  "default-src 'none'; style-src 'unsafe-inline'")
            << what;
        EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store") << what;
        EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << what;
        EXPECT_EQ(res->get_header_value("Referrer-Policy"), "no-referrer") << what;
        EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8") << what;
        EXPECT_EQ(res->body.find("<script"), std::string::npos) << what;
    };
    check(http_get("127.0.0.1", port, "/"), "waiting page");
    check(http_get("127.0.0.1", port, "/callback?state=wrong"), "wrong state");
    check(http_get("127.0.0.1", port, "/favicon.ico"), "404");
    check(http_request("127.0.0.1", port, "POST", "/callback"), "405");
    check(http_get("127.0.0.1", port, "/callback?code=c&state=" + std::string{state}),
          "success page");
}

TEST(CallbackServer, EscapesTheProviderErrorText) {
    CallbackServer server(options_with_state());
    server.start();
    auto res = http_get("127.0.0.1", server.port(),
                        "/callback?error=%3Cb%3Ex%3C%2Fb%3E&error_description="
                        "%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E%27&state=" +
                            std::string{state});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body.find("<script>"), std::string::npos);
    EXPECT_EQ(res->body.find("<b>x"), std::string::npos);
    EXPECT_NE(res->body.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;"),
              std::string::npos);
    EXPECT_NE(res->body.find("&lt;b&gt;x&lt;/b&gt;"), std::string::npos);
    EXPECT_EQ(server.wait(std::chrono::seconds(10)).error_description,
              "<script>alert(\"x\")</script>'");
}

TEST(CallbackServer, NeverEchoesAForeignState) {
    CallbackServer server(options_with_state());
    server.start();
    auto res = http_get("127.0.0.1", server.port(),
                        "/callback?code=x&state=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    EXPECT_EQ(res->body.find("<script>"), std::string::npos);
    EXPECT_EQ(res->body.find("alert(1)"), std::string::npos);
    EXPECT_TRUE(still_waiting(server, system_clock()));
}

TEST(CallbackServer, LongErrorTextIsShortenedOnThePage) {
    CallbackServer server(options_with_state());
    server.start();
    std::string long_text(5000, 'a');
    auto res = http_get("127.0.0.1", server.port(),
                        "/callback?error=server_error&error_description=" + long_text +
                            "&state=" + std::string{state});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body.find(std::string(301, 'a')), std::string::npos);
    EXPECT_NE(res->body.find(std::string(300, 'a')), std::string::npos);
    EXPECT_EQ(server.wait(std::chrono::seconds(10)).error_description, long_text);
}

TEST(CallbackServer, TimesOutOnTheInjectedClock) {
    auto clock = std::make_shared<ManualClock>();
    CallbackServer server(options_with_state(), clock);
    server.start();
    const int port = server.port();
    auto waiter = std::async(std::launch::async, [&] {
        try {
            server.wait(std::chrono::minutes(2));
        } catch (const AuthFlowTimeout& e) {
            return std::make_pair(e.code(), e.timeout_seconds());
        } catch (const Error& e) {
            return std::make_pair(e.code(), -1.0);
        }
        return std::make_pair(errc::internal, -1.0);
    });
    wait_for_waiter(clock);
    clock->advance(std::chrono::seconds(119));
    EXPECT_EQ(waiter.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    clock->advance(std::chrono::seconds(1));
    auto [code, seconds] = waiter.get();
    EXPECT_EQ(code, errc::auth_timeout);
    EXPECT_DOUBLE_EQ(seconds, 120.0);
    // The flow ended: the socket is closed and a late answer cannot complete it.
    EXPECT_FALSE(can_connect("127.0.0.1", port));
    EXPECT_EQ(code_of_wait(server, std::chrono::seconds(1)), errc::auth_timeout);
}

TEST(CallbackServer, TryWaitKeepsTheFlowOpenAtItsDeadline) {
    auto clock = std::make_shared<ManualClock>();
    CallbackServer server(options_with_state(), clock);
    server.start();
    auto waiter = std::async(std::launch::async, [&] {
        return server.try_wait_until(clock->steady_now() + std::chrono::seconds(1));
    });
    wait_for_waiter(clock);
    clock->advance(std::chrono::seconds(1));
    EXPECT_FALSE(waiter.get().has_value());
    EXPECT_TRUE(can_connect("127.0.0.1", server.port()));
    ASSERT_TRUE(
        http_get("127.0.0.1", server.port(), "/callback?code=k&state=" + std::string{state}));
    auto result = server.try_wait_until(clock->steady_now());
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->code, "k");
}

TEST(CallbackServer, CancelFromAnotherThreadIsPrompt) {
    auto clock =
        std::make_shared<ManualClock>(); // its time never moves: only cancel() can end the wait
    CallbackServer server(options_with_state(), clock);
    server.start();
    const int port = server.port();
    std::atomic<std::int64_t> woke_at{0};
    auto waiter = std::async(std::launch::async, [&] {
        errc code = errc::internal;
        try {
            server.wait(std::chrono::minutes(5));
        } catch (const AuthFlowCancelled& e) {
            code = e.code();
        } catch (const Error& e) {
            code = e.code();
        }
        woke_at = std::chrono::steady_clock::now().time_since_epoch().count();
        return code;
    });
    wait_for_waiter(clock);
    auto cancelled_at = std::chrono::steady_clock::now();
    std::thread([&] { server.cancel(); }).join();
    EXPECT_EQ(waiter.get(), errc::cancelled);
    auto latency =
        std::chrono::steady_clock::duration{woke_at.load()} - cancelled_at.time_since_epoch();
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
    std::cout << "[ measured ] cancel() to AuthFlowCancelled: " << micros << " us\n";
    RecordProperty("cancel_latency_us", std::to_string(micros));
    EXPECT_LT(latency, std::chrono::seconds(1));
    EXPECT_FALSE(can_connect("127.0.0.1", port));
}

TEST(CallbackServer, StopTokenCancels) {
    auto clock = std::make_shared<ManualClock>();
    CallbackServer server(options_with_state(), clock);
    server.start();
    std::stop_source source;
    auto waiter = std::async(std::launch::async, [&] {
        try {
            server.wait(std::chrono::minutes(5), source.get_token());
        } catch (const Error& e) {
            return e.code();
        }
        return errc::internal;
    });
    wait_for_waiter(clock);
    source.request_stop();
    EXPECT_EQ(waiter.get(), errc::cancelled);
}

TEST(CallbackServer, StopTokenAlreadyStoppedCancelsAtOnce) {
    CallbackServer server(options_with_state());
    server.start();
    std::stop_source source;
    source.request_stop();
    try {
        server.wait(std::chrono::minutes(5), source.get_token());
        FAIL() << "wait returned";
    } catch (const AuthFlowCancelled& e) {
        EXPECT_EQ(e.code(), errc::cancelled);
    }
}

TEST(CallbackServer, StopEndsAWaitingFlowAsCancelled) {
    auto clock = std::make_shared<ManualClock>();
    CallbackServer server(options_with_state(), clock);
    server.start();
    auto waiter = std::async(std::launch::async, [&] {
        try {
            server.wait(std::chrono::minutes(5));
        } catch (const Error& e) {
            return e.code();
        }
        return errc::internal;
    });
    wait_for_waiter(clock);
    server.stop();
    EXPECT_EQ(waiter.get(), errc::cancelled);
    EXPECT_FALSE(server.is_running());
}

TEST(CallbackServer, CancelAfterCompletionKeepsTheResult) {
    CallbackServer server(options_with_state());
    server.start();
    ASSERT_TRUE(
        http_get("127.0.0.1", server.port(), "/callback?code=z&state=" + std::string{state}));
    server.cancel();
    server.stop();
    EXPECT_EQ(server.wait(std::chrono::seconds(1)).code, "z");
}

TEST(CallbackServer, TakenFixedPortIsPortInUse) {
    CallbackServer first(options_with_state());
    first.start();
    auto options = options_with_state();
    options.port = first.port();
    CallbackServer second(options);
    try {
        second.start();
        FAIL() << "a second server bound a taken port";
    } catch (const TransportError& e) {
        EXPECT_EQ(e.code(), errc::port_in_use);
    }
    EXPECT_FALSE(second.is_running());
    // The first server still gets its answer.
    ASSERT_TRUE(
        http_get("127.0.0.1", first.port(), "/callback?code=1&state=" + std::string{state}));
    EXPECT_EQ(first.wait(std::chrono::seconds(10)).code, "1");
}

TEST(CallbackServer, PortTakenByAnotherProgramIsPortInUse) {
    test::Socket listener{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ASSERT_EQ(::bind(listener.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(::listen(listener.fd(), 1), 0);
    ASSERT_EQ(::getsockname(listener.fd(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
    auto options = options_with_state();
    options.port = ntohs(addr.sin_port);
    CallbackServer server(options);
    try {
        server.start();
        FAIL() << "bound a taken port";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), errc::port_in_use);
    }
}

TEST(CallbackServer, FixedPortIsUsedExactly) {
    auto options = options_with_state();
    options.port = test::free_port();
    options.path = "/oauth/done";
    CallbackServer server(options);
    server.start();
    EXPECT_EQ(server.port(), options.port);
    EXPECT_EQ(server.redirect_uri(),
              "http://127.0.0.1:" + std::to_string(options.port) + "/oauth/done");
    ASSERT_TRUE(
        http_get("127.0.0.1", options.port, "/oauth/done?code=p&state=" + std::string{state}));
    EXPECT_EQ(server.wait(std::chrono::seconds(10)).code, "p");
}

TEST(CallbackServer, StopClosesTheListeningSocket) {
    CallbackServer server(options_with_state());
    server.start();
    const int port = server.port();
    ASSERT_TRUE(can_connect("127.0.0.1", port));
    server.stop();
    int error = 0;
    EXPECT_FALSE(test::connect_to("127.0.0.1", port, &error).valid());
    EXPECT_EQ(error, ECONNREFUSED);
    EXPECT_FALSE(server.is_running());
    EXPECT_EQ(server.port(), 0);
    server.stop(); // idempotent
}

TEST(CallbackServer, DestructorClosesTheListeningSocket) {
    int port = 0;
    {
        CallbackServer server(options_with_state());
        server.start();
        port = server.port();
    }
    EXPECT_FALSE(can_connect("127.0.0.1", port));
}

TEST(CallbackServer, CompletionClosesTheListeningSocket) {
    CallbackServer server(options_with_state());
    server.start();
    const int port = server.port();
    ASSERT_TRUE(http_get("127.0.0.1", port, "/callback?code=q&state=" + std::string{state}));
    // Closed before the answer was sent, so no later request can reach the finished flow.
    EXPECT_FALSE(can_connect("127.0.0.1", port));
    EXPECT_EQ(server.wait(std::chrono::seconds(1)).code, "q");
}

TEST(CallbackServer, SlowClientsDoNotBlockTheRightRequest) {
    auto options = options_with_state();
    options.read_timeout = std::chrono::seconds(5);
    options.idle_timeout = std::chrono::seconds(5);
    CallbackServer server(options);
    server.start();
    const int port = server.port();
    // One client connects and sends nothing; another stops in the middle of its request line.
    auto idle = test::connect_to("127.0.0.1", port);
    ASSERT_TRUE(idle.valid());
    auto partial = test::connect_to("127.0.0.1", port);
    ASSERT_TRUE(partial.valid());
    std::string half = "GET /callback?state=";
    ASSERT_EQ(::send(partial.fd(), half.data(), half.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(half.size()));
    auto began = std::chrono::steady_clock::now();
    auto res = http_get("127.0.0.1", port, "/callback?code=fast&state=" + std::string{state});
    auto took = std::chrono::steady_clock::now() - began;
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_LT(took, std::chrono::seconds(2));
    std::cout << "[ measured ] right request beside two stalled clients: "
              << std::chrono::duration_cast<std::chrono::microseconds>(took).count() << " us\n";
    EXPECT_EQ(server.wait(std::chrono::seconds(1)).code, "fast");
    idle.reset();
    partial.reset();
}

TEST(CallbackServer, StalledClientIsDroppedAfterTheReadTimeout) {
    auto options = options_with_state();
    options.read_timeout = std::chrono::seconds(1);
    options.idle_timeout = std::chrono::seconds(1);
    CallbackServer server(options);
    server.start();
    auto partial = test::connect_to("127.0.0.1", server.port());
    ASSERT_TRUE(partial.valid());
    std::string half = "GET /callback?state=";
    ::send(partial.fd(), half.data(), half.size(), MSG_NOSIGNAL);
    timeval tv{10, 0};
    ::setsockopt(partial.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    auto began = std::chrono::steady_clock::now();
    char byte = 0;
    auto n = ::recv(partial.fd(), &byte, 1, 0); // the server closes (maybe after a 400)
    auto took = std::chrono::steady_clock::now() - began;
    EXPECT_GE(n, 0);
    EXPECT_LT(took, std::chrono::seconds(4));
    std::cout << "[ measured ] stalled request dropped after "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
    EXPECT_TRUE(still_waiting(server, system_clock()));
}

TEST(CallbackServer, PostToTheCallbackIsRefused) {
    CallbackServer server(options_with_state());
    server.start();
    auto res = http_request("127.0.0.1", server.port(), "POST",
                            "/callback?code=evil&state=" + std::string{state});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405);
    EXPECT_EQ(res->get_header_value("Allow"), "GET");
    EXPECT_TRUE(still_waiting(server, system_clock()));
    for (const char* method : {"HEAD", "PUT", "DELETE", "OPTIONS"}) {
        auto answer = raw_exchange("127.0.0.1", server.port(),
                                   std::string{method} + " /callback?code=evil&state=" + state +
                                       " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        ASSERT_TRUE(answer) << method;
        EXPECT_EQ(answer->rfind("HTTP/1.1 405", 0), 0u) << method << ": " << *answer;
        EXPECT_TRUE(still_waiting(server, system_clock())) << method;
    }
    ASSERT_TRUE(
        http_get("127.0.0.1", server.port(), "/callback?code=ok&state=" + std::string{state}));
    EXPECT_EQ(server.wait(std::chrono::seconds(10)).code, "ok");
}

TEST(CallbackServer, OversizedRequestsAreRefused) {
    CallbackServer server(options_with_state());
    server.start();
    std::string huge_target =
        "/callback?state=" + std::string{state} + "&code=" + std::string(10000, 'c');
    auto answer = raw_exchange("127.0.0.1", server.port(),
                               "GET " + huge_target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->rfind("HTTP/1.1 414", 0), 0u) << answer->substr(0, 40);
    std::string huge_header = "GET /callback?state=" + std::string{state} +
                              "&code=h HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10000, 'h') +
                              "\r\nConnection: close\r\n\r\n";
    auto second = raw_exchange("127.0.0.1", server.port(), huge_header);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->find("200 OK"), std::string::npos) << second->substr(0, 40);
    EXPECT_TRUE(still_waiting(server, system_clock()));
}

TEST(CallbackServer, GarbageIsRefused) {
    auto options = options_with_state();
    options.read_timeout = std::chrono::seconds(1);
    options.idle_timeout = std::chrono::seconds(1);
    CallbackServer server(options);
    server.start();
    for (std::string garbage : {std::string{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11},
                                std::string{"GET\r\n\r\n"}, std::string{"SSH-2.0-OpenSSH\r\n"}}) {
        auto answer = raw_exchange("127.0.0.1", server.port(), garbage);
        ASSERT_TRUE(answer);
        EXPECT_EQ(answer->find("200 OK"), std::string::npos);
    }
    EXPECT_TRUE(still_waiting(server, system_clock()));
}

TEST(CallbackServer, BindsIpv6LoopbackWhenAvailable) {
    if (!ipv6_loopback_available()) {
        GTEST_SKIP() << "this machine has no ::1";
    }
    auto options = options_with_state();
    options.host = "::1";
    options.path = "/cb";
    CallbackServer server(options);
    server.start();
    EXPECT_EQ(server.redirect_uri(), "http://[::1]:" + std::to_string(server.port()) + "/cb");
    EXPECT_FALSE(can_connect("127.0.0.1", server.port())); // ::1 only, not every address
    std::string why;
    auto res = http_get("::1", server.port(), "/cb?code=six&state=" + std::string{state}, &why);
    ASSERT_TRUE(res) << why;
    EXPECT_EQ(server.wait(std::chrono::seconds(10)).code, "six");
}

TEST(CallbackServer, RefusesNonLoopbackHosts) {
    for (const char* host : {"0.0.0.0", "::", "192.168.1.10", "localhost", "example.com", ""}) {
        auto options = options_with_state();
        options.host = host;
        try {
            CallbackServer server(options);
            FAIL() << host;
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.code(), errc::config_invalid) << host;
        }
    }
}

TEST(CallbackServer, RefusesUnusableOptions) {
    auto expect_invalid = [](CallbackServerOptions options, const char* what) {
        try {
            CallbackServer server(std::move(options));
            ADD_FAILURE() << what;
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.code(), errc::config_invalid) << what;
        }
    };
    expect_invalid(options_with_state(""), "empty state");
    auto o = options_with_state();
    o.path = "callback";
    expect_invalid(o, "relative path");
    o.path = "/cb?x=1";
    expect_invalid(o, "path with query");
    o.path = "/c b";
    expect_invalid(o, "path with space");
    o = options_with_state();
    o.port = 70000;
    expect_invalid(o, "port");
    o = options_with_state();
    o.read_timeout = std::chrono::milliseconds(0);
    expect_invalid(o, "timeout");
    o = options_with_state();
    o.redirect_host = "::1";
    expect_invalid(o, "redirect host differs from the bound address");
    o.redirect_host = "example.com";
    expect_invalid(o, "redirect host not loopback");
}

TEST(CallbackServer, WaitBeforeStartIsMisuse) {
    CallbackServer server(options_with_state());
    EXPECT_EQ(code_of_wait(server, std::chrono::milliseconds(1)), errc::invalid_argument);
}

TEST(CallbackServer, StartTwiceIsMisuse) {
    CallbackServer server(options_with_state());
    server.start();
    try {
        server.start();
        FAIL() << "started twice";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), errc::invalid_argument);
    }
}

TEST(CallbackServer, RestartBeginsAFreshFlow) {
    CallbackServer server(options_with_state());
    server.start();
    server.cancel();
    EXPECT_EQ(code_of_wait(server, std::chrono::seconds(1)), errc::cancelled);
    server.stop();
    server.start();
    EXPECT_TRUE(still_waiting(server, system_clock()));
    ASSERT_TRUE(
        http_get("127.0.0.1", server.port(), "/callback?code=2&state=" + std::string{state}));
    EXPECT_EQ(server.wait(std::chrono::seconds(10)).code, "2");
}

TEST(CallbackServer, LocalhostRedirectUriListensOnIpv4Loopback) {
    auto options = CallbackServerOptions::from_redirect_uri("http://localhost:8765/cb");
    EXPECT_EQ(options.host, "127.0.0.1");
    EXPECT_EQ(options.redirect_host, "localhost");
    options.port = 0;
    options.expected_state = state;
    CallbackServer server(options);
    server.start();
    EXPECT_EQ(server.redirect_uri(), "http://localhost:" + std::to_string(server.port()) + "/cb");
    ASSERT_TRUE(http_get("127.0.0.1", server.port(), "/cb?code=l&state=" + std::string{state}));
    EXPECT_EQ(server.wait(std::chrono::seconds(10)).code, "l");
}

TEST(CallbackServer, ConcurrentRightAndWrongRequestsCompleteOnce) {
    CallbackServer server(options_with_state());
    server.start();
    const int port = server.port();
    std::vector<std::future<void>> clients;
    for (int i = 0; i < 6; ++i) {
        clients.push_back(std::async(std::launch::async, [port, i] {
            http_get("127.0.0.1", port,
                     "/callback?code=w" + std::to_string(i) + "&state=wrong" + std::to_string(i));
        }));
    }
    clients.push_back(std::async(std::launch::async, [port] {
        http_get("127.0.0.1", port, "/callback?code=right&state=" + std::string{state});
    }));
    for (auto& c : clients) {
        c.get();
    }
    EXPECT_EQ(server.wait(std::chrono::seconds(10)).code, "right");
}

} // namespace
} // namespace authflow
