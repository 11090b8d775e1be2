#pragma once
// Shared pieces of the fuzz targets: the libFuzzer entry point's declaration, a quiet log sink
// that still reads every message, a check that aborts (so libFuzzer and the replay runner report
// it), and an HttpClient that answers from fixed handlers without any network.

#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/http/http_client.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace authflow::fuzz {

/// The input as text (the bytes as they are, NULs included).
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return size == 0 ? std::string_view{}
                     : std::string_view{reinterpret_cast<const char*>(data), size};
}

/// Aborts with a message when a property the target checks does not hold: libFuzzer records the
/// input as a crash, the replay runner fails.
inline void check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz check failed: %s\n", what);
        std::abort();
    }
}

/// Every log line at every level goes to a sink that reads it (so formatting runs and bad
/// strings show up under the sanitizers) but prints nothing. Call once per process.
inline void quiet_logs() {
    static const bool installed = [] {
        set_log_level(LogLevel::debug);
        set_log_callback([](LogLevel level, std::string_view message) {
            static volatile std::size_t sink = 0;
            sink = sink + message.size() + static_cast<std::size_t>(level);
            for (const char c : message) {
                sink = sink + static_cast<unsigned char>(c);
            }
        });
        return true;
    }();
    (void)installed;
}

/// An HttpClient that answers by URL (without its query) from fixed handlers; an unknown URL is
/// a connection failure. Safe to use from several threads.
class FakeHttp final : public HttpClient {
public:
    using Handler = std::function<HttpResponse(const HttpRequest&)>;

    void on(std::string url, Handler handler) {
        std::lock_guard lock(mutex_);
        handlers_[std::move(url)] = std::move(handler);
    }
    /// Answers `url` with `status` and a JSON body.
    void on_body(std::string url, int status, std::string body) {
        on(std::move(url), [status, body = std::move(body)](const HttpRequest&) {
            HttpResponse response;
            response.status = status;
            response.headers.emplace_back("Content-Type", "application/json");
            response.body = body;
            return response;
        });
    }

    HttpResponse send(const HttpRequest& request) override {
        Handler handler;
        {
            std::lock_guard lock(mutex_);
            const auto it = handlers_.find(request.url.substr(0, request.url.find('?')));
            if (it == handlers_.end()) {
                throw TransportError(errc::connect, "fuzz: no handler for this URL");
            }
            handler = it->second;
        }
        return handler(request);
    }

private:
    std::mutex mutex_;
    std::map<std::string, Handler, std::less<>> handlers_;
};

} // namespace authflow::fuzz
