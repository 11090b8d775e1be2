#pragma once
// One `authflow serve` process sharing Redis with others behind one public URL, for the
// scale-out tests: the provider's confidential client `conf-client`, sessions and tokens in
// Redis sealed with one store key.

#include "support/oidc_provider.hpp"
#include "support/process.hpp"
#include "support/test_env.hpp"

#include <authflow/http/http_client.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace authflow::test {

struct ServeWorkerOptions {
    std::vector<std::string> extra_args;          ///< after `serve ...`, e.g. a flag
    std::map<std::string, std::string> extra_env; ///< beside AUTHFLOW_STORE_KEY
};

/// The value of the cookie `name` set by `response` ("" when it sets none).
inline std::string set_cookie_value(const HttpResponse& response, const std::string& name) {
    for (const auto& [header, value] : response.headers) {
        if ((header == "Set-Cookie" || header == "set-cookie") && value.rfind(name + "=", 0) == 0) {
            const auto end = value.find(';');
            return value.substr(name.size() + 1, end - name.size() - 1);
        }
    }
    return {};
}

class ServeWorker {
public:
    /// Starts the worker on 127.0.0.1:`port`; throws with its log when it does not listen.
    ServeWorker(const std::string& name, int port, const std::string& public_url,
                const std::string& issuer, const std::string& redis_url,
                const std::string& store_key, const TempDir& dir,
                const ServeWorkerOptions& options = {})
        : port_(port), log_(dir.path() / (name + ".log")) {
        // Files of its own: another worker starting in the same directory rewrites nothing this
        // one reads.
        write_file(dir.path() / (name + ".secret"), OidcProvider::secret_of("conf-client"));
        write_file(dir.path() / (name + ".toml"), "");
        std::vector<std::string> argv{cli_path().string(),
                                      "--config",
                                      (dir.path() / (name + ".toml")).string(),
                                      "--provider",
                                      "oidc",
                                      "--issuer",
                                      issuer,
                                      "--client-id",
                                      "conf-client",
                                      "--client-secret-file",
                                      (dir.path() / (name + ".secret")).string(),
                                      "--scopes",
                                      "openid profile email",
                                      "serve",
                                      "--listen",
                                      "127.0.0.1:" + std::to_string(port),
                                      "--public-url",
                                      public_url,
                                      "--session-store",
                                      "redis",
                                      "--redis-url",
                                      redis_url};
        argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
        auto env = options.extra_env;
        env["AUTHFLOW_STORE_KEY"] = store_key;
        process_ = std::make_unique<ChildProcess>(std::move(argv), std::move(env), log_);
        if (!wait_for_port(port, 30000)) {
            throw std::runtime_error(name + " did not start: " + read_file(log_));
        }
    }

    int port() const { return port_; }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    bool running() { return process_->running(); }
    std::string log() const { return read_file(log_); }
    int stop() { return process_->stop(15); }

private:
    int port_;
    std::filesystem::path log_;
    std::unique_ptr<ChildProcess> process_;
};

} // namespace authflow::test
