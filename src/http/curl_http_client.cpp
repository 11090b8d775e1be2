// The libcurl implementation of HttpClient.
//
// Connection reuse: libcurl does not support sharing one connection cache between threads
// (CURL_LOCK_DATA_CONNECT is documented as unsupported for concurrent threads), so each client
// keeps a small pool of easy handles. A call borrows an idle handle (each handle keeps its own
// live connections), and gives it back afterwards; the handles share one DNS cache and one TLS
// session cache through a CURLSH with real locks.
//
// libcurl is loaded on first use (dlopen of the soname the build found, AUTHFLOW_CURL_SONAME)
// instead of being linked: a program that makes no request, such as `authflow token` with a
// fresh token, does not load libcurl and the thirty-odd libraries behind it (its TLS, LDAP,
// Kerberos, SSH and IDN stacks), which is most of such a program's start-up time.

#include <authflow/config.hpp>
#include <authflow/core/ascii.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/http/http_client.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace authflow {
namespace {

// At most this many idle easy handles (each with its live connections) stay in a client's pool.
constexpr std::size_t max_idle_handles = 16;
// Response headers (all lines of the final response) larger than this are a too_large error.
constexpr std::size_t max_header_bytes = 256 * 1024;

// ---------------------------------------------------------------------------------------------
// Small text helpers

bool istarts_with(std::string_view text, std::string_view prefix) noexcept {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                             text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

// RFC 9110 §5.6.2 token characters (header names and methods).
bool is_token(std::string_view text) noexcept {
    if (text.empty()) {
        return false;
    }
    return std::all_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        if ((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')) {
            return true;
        }
        return std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
    });
}

// A header value must not be able to end the header line (no CR, LF or NUL).
bool is_safe_header_value(std::string_view value) noexcept {
    return value.find_first_of(std::string_view{"\r\n\0", 3}) == std::string_view::npos;
}

// Scheme check done before libcurl sees the URL; CURLOPT_PROTOCOLS_STR is the second fence.
// Control characters and spaces are refused so a URL cannot smuggle anything into the request line.
bool is_http_url(std::string_view url) noexcept {
    if (!istarts_with(url, "http://") && !istarts_with(url, "https://")) {
        return false;
    }
    return std::none_of(url.begin(), url.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f;
    });
}

// The URL as it may appear in an error text: scheme://host[:port]/path. The query and fragment
// (they can carry codes and tokens) and any user:password@ part are dropped.
std::string redact_url(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        return "<url>";
    }
    const auto cut = url.find_first_of("?#");
    std::string_view kept = url.substr(0, cut);
    const auto authority_begin = scheme_end + 3;
    const auto path_begin = kept.find('/', authority_begin);
    std::string_view authority = kept.substr(authority_begin, path_begin == std::string_view::npos
                                                                  ? std::string_view::npos
                                                                  : path_begin - authority_begin);
    const auto at = authority.rfind('@');
    std::string result{kept.substr(0, authority_begin)};
    result += at == std::string_view::npos ? authority : authority.substr(at + 1);
    if (path_begin != std::string_view::npos) {
        result += kept.substr(path_begin);
    }
    return result;
}

struct UrlTarget {
    std::string scheme; // lower-case
    std::string host;   // lower-case, IPv6 without brackets, no trailing dot
};

UrlTarget url_target(std::string_view url) {
    UrlTarget target;
    const auto scheme_end = url.find("://");
    for (char c : url.substr(0, scheme_end)) {
        target.scheme += ascii_lower(c);
    }
    std::string_view rest = url.substr(scheme_end + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        rest.remove_prefix(at + 1);
    }
    std::string_view host;
    if (!rest.empty() && rest.front() == '[') {
        host = rest.substr(1, rest.find(']') - 1);
    } else {
        host = rest.substr(0, rest.find(':'));
    }
    if (!host.empty() && host.back() == '.') {
        host.remove_suffix(1);
    }
    for (char c : host) {
        target.host += ascii_lower(c);
    }
    return target;
}

// ---------------------------------------------------------------------------------------------
// Environment proxies. libcurl does the routing itself; this mirror of its rules (7.88
// detect_proxy and Curl_check_noproxy) only decides whether a failed connect was a failed
// connect to the proxy, for the error code.

// The environment variable libcurl would take the proxy from, or empty.
std::string environment_proxy(const std::string& scheme) {
    const std::string lower = scheme + "_proxy";
    const char* value = std::getenv(lower.c_str());
    // libcurl never reads HTTP_PROXY in upper case (CGI programs get it from a request header).
    if (value == nullptr && scheme != "http") {
        std::string upper = lower;
        std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) {
            return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
        });
        value = std::getenv(upper.c_str());
    }
    if (value == nullptr) {
        value = std::getenv("all_proxy");
    }
    if (value == nullptr) {
        value = std::getenv("ALL_PROXY");
    }
    return value == nullptr ? std::string{} : std::string{value};
}

bool parse_ipv4(std::string_view text, std::array<unsigned char, 4>& out) noexcept {
    for (std::size_t i = 0; i < 4; ++i) {
        const auto dot = text.find('.');
        const std::string_view part = i < 3 ? text.substr(0, dot) : text;
        if (part.empty() || part.size() > 3 || (i < 3 && dot == std::string_view::npos)) {
            return false;
        }
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (ec != std::errc{} || end != part.data() + part.size() || value > 255) {
            return false;
        }
        out[i] = static_cast<unsigned char>(value);
        if (i < 3) {
            text.remove_prefix(dot + 1);
        }
    }
    return true;
}

// One NO_PROXY entry against a host: "*", a name (leading dot optional; subdomains match), an
// IPv4 address or an IPv4 CIDR block. IPv6 entries match only literally.
bool no_proxy_entry_matches(std::string_view entry, const std::string& host) {
    if (entry == "*") {
        return true;
    }
    std::array<unsigned char, 4> host_ip{};
    if (parse_ipv4(host, host_ip)) {
        const auto slash = entry.find('/');
        std::array<unsigned char, 4> net{};
        if (!parse_ipv4(entry.substr(0, slash), net)) {
            return false;
        }
        unsigned bits = 32;
        if (slash != std::string_view::npos) {
            const auto digits = entry.substr(slash + 1);
            const auto [end, ec] =
                std::from_chars(digits.data(), digits.data() + digits.size(), bits);
            if (ec != std::errc{} || end != digits.data() + digits.size() || bits > 32) {
                return false;
            }
        }
        for (unsigned i = 0; i < 4 && bits > 0; ++i) {
            const unsigned take = std::min(bits, 8U);
            const auto mask = static_cast<unsigned char>(0xFFU << (8 - take));
            if ((host_ip[i] & mask) != (net[i] & mask)) {
                return false;
            }
            bits -= take;
        }
        return true;
    }
    if (!entry.empty() && entry.front() == '[') {
        entry = entry.substr(1, entry.find(']') - 1);
    }
    if (!entry.empty() && entry.front() == '.') {
        entry.remove_prefix(1);
    }
    if (!entry.empty() && entry.back() == '.') {
        entry.remove_suffix(1);
    }
    if (entry.empty()) {
        return false;
    }
    if (iequals(entry, host)) {
        return true;
    }
    return host.size() > entry.size() && host[host.size() - entry.size() - 1] == '.' &&
           iequals(std::string_view{host}.substr(host.size() - entry.size()), entry);
}

bool environment_proxy_applies(std::string_view url) {
    const UrlTarget target = url_target(url);
    if (environment_proxy(target.scheme).empty()) {
        return false;
    }
    const char* no_proxy = std::getenv("no_proxy");
    if (no_proxy == nullptr) {
        no_proxy = std::getenv("NO_PROXY");
    }
    if (no_proxy == nullptr) {
        return true;
    }
    std::string_view list{no_proxy};
    while (!list.empty()) {
        const auto end = list.find_first_of(", \t");
        const auto entry = list.substr(0, end);
        if (!entry.empty() && no_proxy_entry_matches(entry, target.host)) {
            return false;
        }
        if (end == std::string_view::npos) {
            break;
        }
        list.remove_prefix(end + 1);
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// libcurl, loaded on first use

#ifndef AUTHFLOW_CURL_SONAME
#define AUTHFLOW_CURL_SONAME "libcurl.so.4"
#endif

// The libcurl functions this file calls (the same declarations as <curl/curl.h>).
struct CurlApi {
    decltype(&::curl_global_init) global_init = nullptr;
    decltype(&::curl_version) version = nullptr;
    decltype(&::curl_easy_strerror) easy_strerror = nullptr;
    decltype(&::curl_easy_init) easy_init = nullptr;
    decltype(&::curl_easy_setopt) easy_setopt = nullptr;
    decltype(&::curl_easy_perform) easy_perform = nullptr;
    decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
    decltype(&::curl_easy_reset) easy_reset = nullptr;
    decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
    decltype(&::curl_share_init) share_init = nullptr;
    decltype(&::curl_share_setopt) share_setopt = nullptr;
    decltype(&::curl_share_cleanup) share_cleanup = nullptr;
    decltype(&::curl_slist_append) slist_append = nullptr;
    decltype(&::curl_slist_free_all) slist_free_all = nullptr;
};

template <typename F> void bind_symbol(void* library, const char* name, F& function) {
    void* address = ::dlsym(library, name);
    if (address == nullptr) {
        throw TransportError(errc::transport,
                             std::string{"libcurl ("} + AUTHFLOW_CURL_SONAME + ") has no " + name);
    }
    function = reinterpret_cast<F>(address);
}

CurlApi load_curl_api() {
    // The library stays loaded for the life of the process (libcurl cannot be unloaded safely
    // once initialised), so the handle is deliberately never closed.
    void* library = ::dlopen(AUTHFLOW_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char* reason = ::dlerror();
        throw TransportError(errc::transport, std::string{"cannot load libcurl ("} +
                                                  AUTHFLOW_CURL_SONAME +
                                                  "): " + (reason != nullptr ? reason : "unknown"));
    }
    CurlApi api;
    bind_symbol(library, "curl_global_init", api.global_init);
    bind_symbol(library, "curl_version", api.version);
    bind_symbol(library, "curl_easy_strerror", api.easy_strerror);
    bind_symbol(library, "curl_easy_init", api.easy_init);
    bind_symbol(library, "curl_easy_setopt", api.easy_setopt);
    bind_symbol(library, "curl_easy_perform", api.easy_perform);
    bind_symbol(library, "curl_easy_getinfo", api.easy_getinfo);
    bind_symbol(library, "curl_easy_reset", api.easy_reset);
    bind_symbol(library, "curl_easy_cleanup", api.easy_cleanup);
    bind_symbol(library, "curl_share_init", api.share_init);
    bind_symbol(library, "curl_share_setopt", api.share_setopt);
    bind_symbol(library, "curl_share_cleanup", api.share_cleanup);
    bind_symbol(library, "curl_slist_append", api.slist_append);
    bind_symbol(library, "curl_slist_free_all", api.slist_free_all);
    return api;
}

// Loads libcurl and runs curl_global_init once; throws TransportError when either fails.
const CurlApi& libcurl() {
    struct Loaded {
        CurlApi api;
        CURLcode init = CURLE_OK;
    };
    // A failure to load is thrown from the initialiser, so a later call tries again.
    static const Loaded loaded = [] {
        Loaded result{load_curl_api()};
        result.init = result.api.global_init(CURL_GLOBAL_DEFAULT);
        return result;
    }();
    if (loaded.init != CURLE_OK) {
        throw TransportError(errc::transport, std::string{"libcurl initialisation failed: "} +
                                                  loaded.api.easy_strerror(loaded.init));
    }
    return loaded.api;
}

// ---------------------------------------------------------------------------------------------
// libcurl resources (a handle exists only after libcurl() succeeded: the deleters can use it)

void ensure_curl_global_init() {
    libcurl();
}

struct EasyDeleter {
    void operator()(CURL* handle) const noexcept { libcurl().easy_cleanup(handle); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct ShareDeleter {
    void operator()(CURLSH* share) const noexcept { libcurl().share_cleanup(share); }
};
using ShareHandle = std::unique_ptr<CURLSH, ShareDeleter>;

struct SlistDeleter {
    void operator()(curl_slist* list) const noexcept { libcurl().slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

// One mutex per kind of shared data, as CURLSHOPT_LOCKFUNC asks.
struct ShareLocks {
    std::array<std::mutex, static_cast<std::size_t>(CURL_LOCK_DATA_LAST)> mutexes;
};

void lock_share(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<ShareLocks*>(user)->mutexes[static_cast<std::size_t>(data)].lock();
}

void unlock_share(CURL*, curl_lock_data data, void* user) {
    static_cast<ShareLocks*>(user)->mutexes[static_cast<std::size_t>(data)].unlock();
}

template <typename T> void set_option(CURL* handle, CURLoption option, T value) {
    if (const CURLcode rc = libcurl().easy_setopt(handle, option, value); rc != CURLE_OK) {
        throw TransportError(errc::transport, std::string{"libcurl refused an option: "} +
                                                  libcurl().easy_strerror(rc));
    }
}

// ---------------------------------------------------------------------------------------------
// One transfer's state, reached from libcurl's callbacks.

struct Transfer {
    std::size_t max_body = 0;
    bool check_content_length = true;
    HttpResponse response;
    std::size_t header_bytes = 0;
    bool too_large = false;
    bool out_of_memory = false;
};

#ifdef CURL_WRITEFUNC_ERROR
constexpr std::size_t abort_transfer = CURL_WRITEFUNC_ERROR;
#else
constexpr std::size_t abort_transfer = 0;
#endif

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto& transfer = *static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    // Stop reading as soon as the cap is crossed: a hostile server cannot make us buffer more.
    if (bytes > transfer.max_body - transfer.response.body.size()) {
        transfer.too_large = true;
        return abort_transfer;
    }
    try {
        transfer.response.body.append(data, bytes);
    } catch (const std::bad_alloc&) {
        transfer.out_of_memory = true;
        return abort_transfer;
    }
    return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto& transfer = *static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    const std::string_view line{data, bytes};
    try {
        if (istarts_with(line, "HTTP/")) {
            // A new status line: an interim (1xx) or proxy CONNECT response came before. Keep only
            // the headers of the response that is returned.
            transfer.response.headers.clear();
            transfer.header_bytes = 0;
        }
        transfer.header_bytes += bytes;
        if (transfer.header_bytes > max_header_bytes) {
            transfer.too_large = true;
            return abort_transfer;
        }
        if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
            // obs-fold (RFC 9110 §5.5): continues the previous header's value.
            if (!transfer.response.headers.empty()) {
                auto& value = transfer.response.headers.back().second;
                value += ' ';
                value += trim(line);
            }
            return bytes;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            return bytes; // status line, the blank line that ends the headers, or junk
        }
        const auto name = line.substr(0, colon);
        const auto value = trim(line.substr(colon + 1));
        if (transfer.check_content_length && iequals(name, "content-length")) {
            std::size_t length = 0;
            const auto [end, ec] =
                std::from_chars(value.data(), value.data() + value.size(), length);
            if (ec == std::errc::result_out_of_range ||
                (ec == std::errc{} && end == value.data() + value.size() &&
                 length > transfer.max_body)) {
                transfer.too_large = true;
                return abort_transfer;
            }
        }
        transfer.response.headers.emplace_back(std::string{name}, std::string{value});
    } catch (const std::bad_alloc&) {
        transfer.out_of_memory = true;
        return abort_transfer;
    }
    return bytes;
}

// ---------------------------------------------------------------------------------------------

class CurlHttpClient final : public HttpClient {
public:
    explicit CurlHttpClient(HttpClientOptions options) : options_(std::move(options)) {
        ensure_curl_global_init();
        if (options_.user_agent.empty()) {
            options_.user_agent = default_user_agent();
        }
        share_.reset(libcurl().share_init());
        if (!share_) {
            throw TransportError(errc::transport, "libcurl could not create a share handle");
        }
        // Not CURL_LOCK_DATA_CONNECT: libcurl does not support sharing connections between
        // concurrent threads. Connections live in the pooled easy handles instead.
        const bool shared =
            libcurl().share_setopt(share_.get(), CURLSHOPT_LOCKFUNC, lock_share) == CURLSHE_OK &&
            libcurl().share_setopt(share_.get(), CURLSHOPT_UNLOCKFUNC, unlock_share) ==
                CURLSHE_OK &&
            libcurl().share_setopt(share_.get(), CURLSHOPT_USERDATA, locks_.get()) == CURLSHE_OK &&
            libcurl().share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ==
                CURLSHE_OK &&
            libcurl().share_setopt(share_.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) ==
                CURLSHE_OK;
        if (!shared) {
            throw TransportError(errc::transport, "libcurl could not set up its share handle");
        }
    }

    ~CurlHttpClient() override {
        // Easy handles detach from the share when cleaned up; the share must go last.
        idle_.clear();
    }

    CurlHttpClient(const CurlHttpClient&) = delete;
    CurlHttpClient& operator=(const CurlHttpClient&) = delete;

    HttpResponse send(const HttpRequest& request) override {
        if (!is_token(request.method)) {
            throw TransportError(errc::invalid_argument,
                                 "invalid HTTP method for " + redact_url(request.url));
        }
        const std::string where = request.method + " " + redact_url(request.url);
        if (!is_http_url(request.url)) {
            throw TransportError(errc::bad_url, where + ": only http and https URLs are allowed");
        }
        for (const auto& [name, value] : request.headers) {
            if (!is_token(name) || !is_safe_header_value(value)) {
                throw TransportError(errc::invalid_argument,
                                     where + ": invalid request header (name or value)");
            }
        }

        EasyHandle handle = borrow_handle();
        Transfer transfer;
        transfer.max_body = options_.max_response_bytes;
        transfer.check_content_length = request.method != "HEAD";
        std::array<char, CURL_ERROR_SIZE> error_buffer{};
        HeaderList headers = build_headers(request);

        CURL* curl = handle.get();
        configure(curl, request, transfer, headers.get(), error_buffer.data());
        const CURLcode rc = libcurl().easy_perform(curl);

        long status = 0;
        libcurl().easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        long connect_code = 0;
        libcurl().easy_getinfo(curl, CURLINFO_HTTP_CONNECTCODE, &connect_code);
        // Callback pointers into this frame must not outlive it, even on an idle handle.
        libcurl().easy_reset(curl);
        give_back(std::move(handle));

        if (rc != CURLE_OK) {
            throw_transfer_error(rc, connect_code, transfer, request, where,
                                 std::string_view{error_buffer.data()});
        }
        transfer.response.status = static_cast<int>(status);
        return std::move(transfer.response);
    }

private:
    EasyHandle borrow_handle() {
        {
            std::lock_guard lock{pool_mutex_};
            if (!idle_.empty()) {
                EasyHandle handle = std::move(idle_.back());
                idle_.pop_back();
                return handle;
            }
        }
        EasyHandle handle{libcurl().easy_init()};
        if (!handle) {
            throw TransportError(errc::transport, "libcurl could not create an easy handle");
        }
        return handle;
    }

    void give_back(EasyHandle handle) noexcept {
        std::lock_guard lock{pool_mutex_};
        if (idle_.size() < max_idle_handles) {
            try {
                idle_.push_back(std::move(handle));
            } catch (const std::bad_alloc&) {
                // The handle is simply closed.
            }
        }
    }

    HeaderList build_headers(const HttpRequest& request) const {
        HeaderList list;
        auto append = [&list](const std::string& line) {
            curl_slist* grown = libcurl().slist_append(list.get(), line.c_str());
            if (grown == nullptr) {
                throw TransportError(errc::transport, "out of memory building request headers");
            }
            if (!list) {
                list.reset(grown); // later appends return the same head
            }
        };
        bool has_expect = false;
        for (const auto& [name, value] : request.headers) {
            has_expect = has_expect || iequals(name, "expect");
            // "Name;" is libcurl's way to send a header with an empty value ("Name:" removes it).
            append(value.empty() ? name + ";" : name + ": " + value);
        }
        if (!has_expect) {
            append("Expect:"); // no 100-continue round trip for large bodies
        }
        return list;
    }

    void configure(CURL* curl, const HttpRequest& request, Transfer& transfer, curl_slist* headers,
                   char* error_buffer) const {
        set_option(curl, CURLOPT_SHARE, share_.get());
        set_option(curl, CURLOPT_URL, request.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500 // 7.85.0
        set_option(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        set_option(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
        set_option(curl, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
        set_option(curl, CURLOPT_REDIR_PROTOCOLS,
                   static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
        set_option(curl, CURLOPT_FOLLOWLOCATION, 0L);
        set_option(curl, CURLOPT_NOSIGNAL, 1L);
        set_option(curl, CURLOPT_ERRORBUFFER, error_buffer);

        // TLS: verification is always on; there is deliberately no option to turn it off.
        set_option(curl, CURLOPT_SSL_VERIFYPEER, 1L);
        set_option(curl, CURLOPT_SSL_VERIFYHOST, 2L);
        set_option(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
        set_option(curl, CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
        set_option(curl, CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
        if (!options_.ca_file.empty()) {
            set_option(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
            set_option(curl, CURLOPT_PROXY_CAINFO, options_.ca_file.c_str());
        }
        if (!options_.ca_path.empty()) {
            set_option(curl, CURLOPT_CAPATH, options_.ca_path.c_str());
            set_option(curl, CURLOPT_PROXY_CAPATH, options_.ca_path.c_str());
        }
        if (!options_.use_environment_proxy) {
            set_option(curl, CURLOPT_PROXY, ""); // "" disables the proxy, environment included
        }

        const auto connect_timeout = request.connect_timeout.count() > 0 ? request.connect_timeout
                                                                         : options_.connect_timeout;
        const auto total_timeout =
            request.total_timeout.count() > 0 ? request.total_timeout : options_.total_timeout;
        set_option(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
        set_option(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(total_timeout.count()));

        set_option(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
        set_option(curl, CURLOPT_HTTPHEADER, headers);

        if (request.method == "HEAD") {
            set_option(curl, CURLOPT_NOBODY, 1L);
        } else if (request.method == "GET" && request.body.empty()) {
            set_option(curl, CURLOPT_HTTPGET, 1L);
        } else if (request.method == "POST" || !request.body.empty()) {
            set_option(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
            set_option(curl, CURLOPT_POSTFIELDS, request.body.data());
            if (request.method != "POST") {
                set_option(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
            }
        } else {
            set_option(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        }

        set_option(curl, CURLOPT_WRITEFUNCTION, on_body);
        set_option(curl, CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
        set_option(curl, CURLOPT_HEADERFUNCTION, on_header);
        set_option(curl, CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
    }

    [[noreturn]] void throw_transfer_error(CURLcode rc, long connect_code, const Transfer& transfer,
                                           const HttpRequest& request, const std::string& where,
                                           std::string_view curl_text) const {
        if (transfer.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
            throw TransportError(errc::too_large, where + ": response larger than " +
                                                      std::to_string(options_.max_response_bytes) +
                                                      " bytes");
        }
        if (transfer.out_of_memory) {
            throw TransportError(errc::transport, where + ": out of memory reading the response");
        }
        errc code = errc::transport;
        std::string what = "transfer failed";
        switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
            code = errc::timeout;
            what = "timed out";
            break;
        case CURLE_COULDNT_RESOLVE_HOST:
            code = errc::resolve;
            what = "could not resolve the host";
            break;
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_PROXY:
            code = errc::proxy;
            what = "proxy failed";
            break;
        case CURLE_COULDNT_CONNECT:
            if (options_.use_environment_proxy && environment_proxy_applies(request.url)) {
                code = errc::proxy;
                what = "could not connect to the proxy";
            } else {
                code = errc::connect;
                what = "could not connect";
            }
            break;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_USE_SSL_FAILED:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_SSL_CLIENTCERT:
            code = errc::tls;
            what = "TLS failed";
            break;
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
            code = errc::bad_url;
            what = "URL refused";
            break;
        default:
            break;
        }
        // A CONNECT the proxy refused (403, 407, 502 ...) whatever code libcurl chose for it.
        if (connect_code >= 300 && code != errc::timeout && code != errc::tls) {
            code = errc::proxy;
            what = "the proxy refused the tunnel (status " + std::to_string(connect_code) + ")";
        }
        std::string message = where + ": " + what;
        if (const std::string detail = safe_detail(curl_text, request); !detail.empty()) {
            message += " (" + detail + ")";
        } else {
            message += std::string{" ("} + libcurl().easy_strerror(rc) + ")";
        }
        throw TransportError(code, message);
    }

    // libcurl's error text, unless it might echo something secret (a query string, a header
    // value, the body or proxy credentials); then nothing.
    static std::string safe_detail(std::string_view text, const HttpRequest& request) {
        if (text.empty()) {
            return {};
        }
        auto contains = [text](std::string_view needle) {
            return needle.size() >= 3 && text.find(needle) != std::string_view::npos;
        };
        const auto query = request.url.find_first_of("?#");
        if (query != std::string::npos &&
            contains(std::string_view{request.url}.substr(query + 1))) {
            return {};
        }
        if (text.find('?') != std::string_view::npos || text.find('@') != std::string_view::npos) {
            return {};
        }
        if (contains(request.body)) {
            return {};
        }
        for (const auto& header : request.headers) {
            if (contains(header.second)) {
                return {};
            }
        }
        std::string detail{text};
        while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) {
            detail.pop_back();
        }
        return detail;
    }

    HttpClientOptions options_;
    // Declared before the handles: destroyed after them.
    std::unique_ptr<ShareLocks> locks_ = std::make_unique<ShareLocks>();
    ShareHandle share_;
    std::mutex pool_mutex_;
    std::vector<EasyHandle> idle_;
};

void validate(const HttpClientOptions& options) {
    if (options.connect_timeout.count() <= 0 || options.total_timeout.count() <= 0) {
        throw ConfigError(errc::config_invalid,
                          "HTTP client: connect_timeout and total_timeout must be positive");
    }
    if (options.max_response_bytes == 0) {
        throw ConfigError(errc::config_invalid, "HTTP client: max_response_bytes must be positive");
    }
    std::error_code ec;
    if (!options.ca_file.empty() && !std::filesystem::is_regular_file(options.ca_file, ec)) {
        throw ConfigError(errc::config_invalid,
                          "HTTP client: ca_file is not a readable file: " + options.ca_file);
    }
    if (!options.ca_path.empty() && !std::filesystem::is_directory(options.ca_path, ec)) {
        throw ConfigError(errc::config_invalid,
                          "HTTP client: ca_path is not a directory: " + options.ca_path);
    }
    if (!is_safe_header_value(options.user_agent)) {
        throw ConfigError(errc::config_invalid, "HTTP client: user_agent contains a line break");
    }
}

} // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) {
            return value;
        }
    }
    return std::nullopt;
}

std::shared_ptr<HttpClient> make_http_client(const HttpClientOptions& options) {
    validate(options);
    return std::make_shared<CurlHttpClient>(options);
}

std::shared_ptr<HttpClient> default_http_client() {
    static const std::shared_ptr<HttpClient> client = make_http_client();
    return client;
}

std::string default_user_agent() {
    return std::string{"authflow/"} + AUTHFLOW_VERSION;
}

std::string curl_version_text() {
    return libcurl().version();
}

} // namespace authflow
