// Sign-out that reaches everywhere, against node oidc-provider and two `authflow serve` workers
// sharing Redis: RP-initiated logout through our {prefix}/logout (provider_logout on, set by
// AUTHFLOW_DEPLOY__PROVIDER_LOGOUT), the provider's logout confirmation page, then the provider's
// back-channel logout call to {prefix}/backchannel-logout, which ends the other sessions of that
// provider session on the other worker.
#include "serve_worker.hpp"
#include "support/oidc_provider.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/test_env.hpp"

#include <authflow/core/url.hpp>
#include <authflow/http/http_client.hpp>
#include <authflow/store/encryption.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>

namespace authflow::test {
namespace {

std::string param(const std::string& url, const std::string& name) {
    const auto q = url.find('?');
    for (const auto& [k, v] : parse_query(q == std::string::npos ? "" : url.substr(q + 1))) {
        if (k == name) {
            return v;
        }
    }
    return {};
}

using Worker = ServeWorker;

/// Workers with provider_logout on.
const ServeWorkerOptions provider_logout{{}, {{"AUTHFLOW_DEPLOY__PROVIDER_LOGOUT", "true"}}};

HttpResponse send(const std::string& method, const std::string& url, const std::string& cookies,
                  const std::string& origin = {}) {
    HttpRequest request;
    request.method = method;
    request.url = url;
    if (!cookies.empty()) {
        request.headers.emplace_back("Cookie", cookies);
    }
    if (!origin.empty()) {
        request.headers.emplace_back("Origin", origin);
    }
    return make_http_client()->send(request);
}

bool signed_in(const Worker& worker, const std::string& session) {
    const HttpResponse status =
        send("GET", worker.url("/auth/status"), "authflow_session=" + session);
    return status.status == 200 && status.body.find("\"authenticated\":true") != std::string::npos;
}

/// Signs in at the app through `browser` (which keeps only the provider's cookies): login on
/// `start`, the provider's pages, the callback on `finish`. Returns the session cookie's value.
std::string sign_in(OpBrowser& browser, const Worker& start, const Worker& finish,
                    const std::string& public_url) {
    const HttpResponse login = send("GET", start.url("/auth/login"), "");
    EXPECT_EQ(login.status, 302) << login.body;
    const std::string binding = set_cookie_value(login, "authflow_session_login");
    browser.authorize(login.header("Location").value_or(""), public_url + "/auth/callback");
    const std::string redirect = browser.last_redirect();
    EXPECT_EQ(redirect.rfind(public_url, 0), 0u) << redirect;
    const HttpResponse back = send("GET", finish.url(redirect.substr(public_url.size())),
                                   "authflow_session_login=" + binding);
    EXPECT_EQ(back.status, 302) << back.body << "\n" << finish.log();
    return set_cookie_value(back, "authflow_session");
}

TEST(DeployLogout, ProviderLogoutEndsTheProviderSessionAndItsBackChannelCallEndsTheOthers) {
    AUTHFLOW_REQUIRE_SERVICE(RedisServer::available() && OidcProvider::available() &&
                                 std::filesystem::exists(cli_path()),
                             "redis-server, node oidc-provider, authflow");
    TempDir dir;
    RedisServer redis;
    const int port_a = free_port();
    const int port_b = free_port();
    const std::string public_url = "http://127.0.0.1:" + std::to_string(port_a);
    OidcProviderOptions options;
    options.redirect_uris = {public_url + "/auth/callback"};
    options.post_logout_redirect_uris = {public_url + "/auth/signed-out"};
    // What the docs say to register: the back-channel URI, with sid in logout tokens.
    options.client_overrides = {
        {"conf-client",
         {{"backchannel_logout_uri", public_url + "/auth/backchannel-logout"},
          {"backchannel_logout_session_required", true}}}};
    OidcProvider op(options);
    const std::string key = StoreKey::generate().to_base64();
    Worker a("a", port_a, public_url, op.issuer(), redis.url(), key, dir, provider_logout);
    Worker b("b", port_b, public_url, op.issuer(), redis.url(), key, dir, provider_logout);

    // One provider session signs in to the app twice (a second tab), another provider session
    // of the same user once.
    OpBrowser laptop;
    const std::string first = sign_in(laptop, a, b, public_url);
    const std::string second = sign_in(laptop, b, a, public_url);
    OpBrowser phone;
    const std::string elsewhere = sign_in(phone, a, b, public_url);
    ASSERT_FALSE(first.empty() || second.empty() || elsewhere.empty()) << a.log() << b.log();
    ASSERT_NE(first, second);
    ASSERT_TRUE(signed_in(b, first) && signed_in(b, second) && signed_in(b, elsewhere));

    // Sign-out of the first tab on A: the local session ends at once, then the provider.
    const HttpResponse logout =
        send("POST", a.url("/auth/logout?next=/"), "authflow_session=" + first, public_url);
    ASSERT_EQ(logout.status, 303) << logout.body << a.log();
    const std::string end_session = logout.header("Location").value_or("");
    ASSERT_EQ(end_session.rfind(op.issuer() + "/session/end?", 0), 0u) << end_session;
    EXPECT_EQ(param(end_session, "client_id"), "conf-client");
    EXPECT_EQ(param(end_session, "post_logout_redirect_uri"), public_url + "/auth/signed-out");
    EXPECT_FALSE(param(end_session, "id_token_hint").empty());
    const std::string state = param(end_session, "state");
    const std::string binding = set_cookie_value(logout, "authflow_session_logout");
    ASSERT_FALSE(binding.empty());
    EXPECT_FALSE(signed_in(b, first));
    EXPECT_TRUE(signed_in(b, second)); // not yet: the provider has not called back

    // The provider's logout confirmation page, confirmed: it calls our back-channel route before
    // it sends the browser back.
    const std::string back = laptop.end_session(end_session, public_url + "/auth/signed-out");
    ASSERT_EQ(back.rfind(public_url + "/auth/signed-out?", 0), 0u) << back << op.log();
    EXPECT_EQ(param(back, "state"), state);
    EXPECT_EQ(op.count_events("backchannel.success", "conf-client"), 1u) << op.log() << a.log();
    EXPECT_EQ(op.count_events("backchannel.error"), 0u) << [&] {
        std::string all;
        for (const auto& event : op.events()) {
            all += event.dump() + "\n";
        }
        return all + a.log();
    }();
    // The second tab's session is gone on the other worker too; the other provider session's
    // is kept.
    EXPECT_FALSE(signed_in(b, second)) << b.log();
    EXPECT_FALSE(signed_in(a, second));
    EXPECT_TRUE(signed_in(b, elsewhere));

    // The browser comes back to B with the state it left with: on to `next`, once.
    const HttpResponse signed_out =
        send("GET", b.url(back.substr(public_url.size())), "authflow_session_logout=" + binding);
    EXPECT_EQ(signed_out.status, 303) << signed_out.body;
    EXPECT_EQ(signed_out.header("Location").value_or(""), "/");
    const HttpResponse replay =
        send("GET", b.url(back.substr(public_url.size())), "authflow_session_logout=" + binding);
    EXPECT_EQ(replay.status, 200);
    EXPECT_NE(replay.body.find("You are signed out."), std::string::npos);

    EXPECT_EQ(a.stop(), 0);
    EXPECT_EQ(b.stop(), 0);
}

} // namespace
} // namespace authflow::test
