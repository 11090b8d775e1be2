#pragma once
// The HTTP client every network call goes through, and its libcurl implementation.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authflow {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// One request. Timeouts left at zero take the client's defaults.
struct HttpRequest {
    std::string method = "GET";
    std::string url;
    HttpHeaders headers;
    std::string body;
    std::chrono::milliseconds connect_timeout{0};
    std::chrono::milliseconds total_timeout{0};
};

/// One response, whatever its status.
struct HttpResponse {
    int status = 0;
    HttpHeaders headers; ///< names as received
    std::string body;

    /// The first header of that name (case-insensitive), or nothing.
    std::optional<std::string> header(std::string_view name) const;
};

/// Sends HTTP requests. Implementations are safe to use from several threads at once.
class HttpClient {
public:
    virtual ~HttpClient() = default;
    /// Sends `request` and returns the response, whatever its status. Redirects are not
    /// followed. Throws TransportError (timeout, connect, resolve, tls, too_large, proxy,
    /// transport) when no complete response arrived, and TransportError (bad_url,
    /// invalid_argument) for a non-http(s) URL or a bad method or header, before sending.
    virtual HttpResponse send(const HttpRequest& request) = 0;
};

/// Settings of the libcurl client; every default is the secure one.
struct HttpClientOptions {
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds total_timeout{30'000};
    std::size_t max_response_bytes = 1024 * 1024; ///< a larger body is a too_large error
    /// Extra trust: a PEM bundle, used in place of libcurl's bundle file (libcurl's CA directory,
    /// /etc/ssl/certs on Debian, still applies). See docs/http.md.
    std::string ca_file;
    /// Extra trust: an OpenSSL hashed directory (`openssl rehash`), used in place of libcurl's CA
    /// directory (libcurl's bundle file still applies).
    std::string ca_path;
    std::string user_agent; ///< empty: "authflow/<version>"
    /// Proxies come from http_proxy / HTTPS_PROXY / NO_PROXY (libcurl's rules; upper-case
    /// HTTP_PROXY is ignored) unless false.
    bool use_environment_proxy = true;
};

/// A libcurl client that reuses connections across calls and threads. TLS peer and host
/// verification are always on.
std::shared_ptr<HttpClient> make_http_client(const HttpClientOptions& options = {});

/// The process-wide default client (made on first use with default options).
std::shared_ptr<HttpClient> default_http_client();

/// "authflow/<version>".
std::string default_user_agent();
/// The libcurl version text, e.g. "libcurl/7.88.1 OpenSSL/3.0.x".
std::string curl_version_text();

} // namespace authflow
