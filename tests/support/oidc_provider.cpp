#include "support/oidc_provider.hpp"

#include <authflow/core/errors.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace authflow::test {
namespace {

using json = nlohmann::json;

std::filesystem::path node_dir() {
    return source_dir() / "tests" / "support" / "node";
}

int node_major_version() {
    if (!have_program("node")) {
        return 0;
    }
    auto result = run_command({"node", "-p", "process.versions.node.split('.')[0]"}, {}, {}, 20000);
    if (result.exit_code != 0) {
        return 0;
    }
    try {
        return std::stoi(result.out);
    } catch (const std::exception&) {
        return 0;
    }
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
        text.remove_suffix(1);
    }
    return std::string{text};
}

std::string html_unescape(std::string_view text) {
    static const std::pair<std::string_view, char> entities[] = {
        {"&amp;", '&'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''},
        {"&lt;", '<'},  {"&gt;", '>'},   {"&#x2F;", '/'}, {"&#47;", '/'}};
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        bool replaced = false;
        if (text[i] == '&') {
            for (const auto& [entity, c] : entities) {
                if (text.substr(i, entity.size()) == entity) {
                    out += c;
                    i += entity.size();
                    replaced = true;
                    break;
                }
            }
        }
        if (!replaced) {
            out += text[i++];
        }
    }
    return out;
}

// The value of attribute `name` in a tag's text (quoted with " or ', or bare), if present.
std::optional<std::string> attribute(std::string_view tag, std::string_view name) {
    const std::string lower_tag = lower(std::string{tag});
    std::size_t pos = 0;
    while ((pos = lower_tag.find(name, pos)) != std::string::npos) {
        const bool boundary =
            pos > 0 && (std::isspace(static_cast<unsigned char>(tag[pos - 1])) != 0);
        std::size_t eq = pos + name.size();
        while (eq < tag.size() && tag[eq] == ' ') {
            ++eq;
        }
        if (!boundary || eq >= tag.size() || tag[eq] != '=') {
            pos += name.size();
            continue;
        }
        std::size_t start = eq + 1;
        while (start < tag.size() && tag[start] == ' ') {
            ++start;
        }
        if (start < tag.size() && (tag[start] == '"' || tag[start] == '\'')) {
            const char quote = tag[start];
            const std::size_t end = tag.find(quote, start + 1);
            return html_unescape(tag.substr(start + 1, end - start - 1));
        }
        std::size_t end = start;
        while (end < tag.size() && std::isspace(static_cast<unsigned char>(tag[end])) == 0 &&
               tag[end] != '>' && tag[end] != '/') {
            ++end;
        }
        return html_unescape(tag.substr(start, end - start));
    }
    return std::nullopt;
}

std::string origin_of(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) {
        return {};
    }
    const auto path = url.find('/', scheme + 3);
    return path == std::string::npos ? url : url.substr(0, path);
}

std::string path_of(const std::string& url) {
    const auto scheme = url.find("://");
    const auto start = scheme == std::string::npos ? 0 : url.find('/', scheme + 3);
    if (start == std::string::npos) {
        return "/";
    }
    const auto end = url.find_first_of("?#", start);
    return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

bool path_matches(const std::string& request_path, const std::string& cookie_path) {
    if (request_path == cookie_path) {
        return true;
    }
    if (!request_path.starts_with(cookie_path)) {
        return false;
    }
    return cookie_path.ends_with('/') || request_path[cookie_path.size()] == '/';
}

} // namespace

// ---------------------------------------------------------------- OidcProvider

bool OidcProvider::available() {
    return missing().empty();
}

std::string OidcProvider::missing() {
    if (node_major_version() < 20) {
        return "node >= 20 (the machine image's Node.js; never Debian's nodejs 18)";
    }
    if (!std::filesystem::exists(node_dir() / "node_modules" / "oidc-provider" / "package.json")) {
        return "oidc-provider in tests/support/node/node_modules (run npm ci there)";
    }
    return {};
}

OidcProvider::OidcProvider(OidcProviderOptions options) {
    json op_options = {{"rotate_refresh_token", options.rotate_refresh_token},
                       {"access_token_ttl", options.access_token_ttl},
                       {"id_token_ttl", options.id_token_ttl},
                       {"refresh_token_ttl", options.refresh_token_ttl},
                       {"device_code_ttl", options.device_code_ttl},
                       {"device_slow_down", options.device_slow_down},
                       {"require_pkce", options.require_pkce},
                       {"dpop", options.dpop},
                       {"require_par", options.require_par},
                       {"clients", options.clients},
                       {"client_overrides", options.client_overrides}};
    if (!options.jwt_key_client_jwks.is_null()) {
        op_options["jwt_key_client_jwks"] = options.jwt_key_client_jwks;
    }
    if (options.par_ttl > 0) {
        op_options["par_ttl"] = options.par_ttl;
    }
    if (!options.redirect_uris.empty()) {
        op_options["redirect_uris"] = options.redirect_uris;
    }
    if (!options.post_logout_redirect_uris.empty()) {
        op_options["post_logout_redirect_uris"] = options.post_logout_redirect_uris;
    }
    // A free port can be taken between the probe and node's bind: try a few ports.
    for (int attempt = 0; attempt < 3; ++attempt) {
        port_ = free_port();
        issuer_ =
            options.issuer.empty() ? "http://127.0.0.1:" + std::to_string(port_) : options.issuer;
        std::filesystem::remove(dir_.path() / "events.jsonl");
        process_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{"node", (node_dir() / "op.mjs").string(), "--port",
                                     std::to_string(port_), "--issuer", issuer_, "--events",
                                     (dir_.path() / "events.jsonl").string(), "--options",
                                     op_options.dump()},
            std::map<std::string, std::string>{}, dir_.path() / "op.log");
        if (!wait_for_port(port_, 30000)) {
            process_.reset();
            continue;
        }
        // The port answers as soon as node listens; check that it is the provider.
        auto http = make_http_client();
        HttpRequest request;
        request.url = url("/.well-known/openid-configuration");
        for (int i = 0; i < 100; ++i) {
            try {
                if (http->send(request).status == 200) {
                    return;
                }
            } catch (const TransportError&) {
            }
            if (!process_->running()) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        process_.reset();
    }
    throw std::runtime_error("oidc-provider did not start:\n" + log());
}

OidcProvider::~OidcProvider() {
    stop();
}

std::string OidcProvider::url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string{path};
}

std::string OidcProvider::secret_of(std::string_view client_id) {
    if (client_id == "special-client") {
        return "p@ss w:rd+%&/";
    }
    return std::string{client_id} + "-secret";
}

std::vector<nlohmann::json> OidcProvider::events() const {
    std::vector<json> out;
    std::ifstream in(dir_.path() / "events.jsonl");
    std::string line;
    while (std::getline(in, line)) {
        auto event = json::parse(line, nullptr, false);
        if (event.is_object()) {
            out.push_back(std::move(event));
        }
    }
    return out;
}

std::size_t OidcProvider::count_events(std::string_view event, std::string_view client_id,
                                       std::string_view grant_type) const {
    std::size_t n = 0;
    for (const auto& e : events()) {
        if (e.value("event", "") != event) {
            continue;
        }
        if (!client_id.empty() && e.value("client_id", "") != client_id) {
            continue;
        }
        if (!grant_type.empty() && e.value("grant_type", "") != grant_type) {
            continue;
        }
        ++n;
    }
    return n;
}

std::string OidcProvider::log() const {
    std::ifstream in(dir_.path() / "op.log");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool OidcProvider::running() {
    return process_ && process_->running();
}

void OidcProvider::stop() {
    if (process_) {
        process_->stop();
        process_.reset();
    }
}

// ---------------------------------------------------------------- HTML helpers

std::vector<HtmlForm> parse_html_forms(std::string_view html) {
    std::vector<HtmlForm> forms;
    const std::string lower_html = lower(std::string{html});
    std::size_t pos = 0;
    while ((pos = lower_html.find("<form", pos)) != std::string::npos) {
        const auto tag_end = lower_html.find('>', pos);
        if (tag_end == std::string::npos) {
            break;
        }
        const auto close = lower_html.find("</form", tag_end);
        const std::string_view tag = html.substr(pos, tag_end - pos);
        HtmlForm form;
        form.id = attribute(tag, "id").value_or("");
        form.action = attribute(tag, "action").value_or("");
        form.method = lower(attribute(tag, "method").value_or("get"));
        const std::size_t body_end = close == std::string::npos ? html.size() : close;
        std::size_t input = tag_end;
        while ((input = lower_html.find("<input", input)) != std::string::npos &&
               input < body_end) {
            const auto input_end = lower_html.find('>', input);
            const std::string_view input_tag = html.substr(input, input_end - input);
            if (auto name = attribute(input_tag, "name")) {
                form.fields.emplace_back(*name, attribute(input_tag, "value").value_or(""));
            }
            input = input_end;
        }
        forms.push_back(std::move(form));
        pos = body_end;
    }
    return forms;
}

std::string resolve_url(const std::string& base, const std::string& ref) {
    if (ref.starts_with("http://") || ref.starts_with("https://")) {
        return ref;
    }
    if (ref.starts_with("/")) {
        return origin_of(base) + ref;
    }
    const std::string path = path_of(base);
    return origin_of(base) + path.substr(0, path.rfind('/') + 1) + ref;
}

// ---------------------------------------------------------------- OpBrowser

OpBrowser::OpBrowser(std::shared_ptr<HttpClient> http)
    : http_(http ? std::move(http) : make_http_client()) {}

HttpResponse OpBrowser::send(HttpRequest request) {
    const std::string cookies = cookie_header(request.url);
    if (!cookies.empty()) {
        request.headers.emplace_back("Cookie", cookies);
    }
    HttpResponse response = http_->send(request);
    store_cookies(request.url, response);
    return response;
}

HttpResponse OpBrowser::get(const std::string& url) {
    HttpRequest request;
    request.url = url;
    request.headers.emplace_back("Accept", "text/html");
    return send(std::move(request));
}

HttpResponse OpBrowser::post_form(const std::string& url, const QueryParams& form) {
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.headers.emplace_back("Accept", "text/html");
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.body = build_query(form);
    return send(std::move(request));
}

void OpBrowser::store_cookies(const std::string& url, const HttpResponse& response) {
    for (const auto& [name, value] : response.headers) {
        if (lower(name) != "set-cookie") {
            continue;
        }
        std::stringstream parts(value);
        std::string part;
        std::getline(parts, part, ';');
        const auto eq = part.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        Cookie cookie{trim(part.substr(0, eq)), trim(part.substr(eq + 1)), {}};
        bool expired = false;
        while (std::getline(parts, part, ';')) {
            const std::string attr = lower(trim(part));
            if (attr.starts_with("path=")) {
                cookie.path = trim(part).substr(5);
            } else if (attr.starts_with("max-age=")) {
                expired = expired || attr.substr(8).starts_with("0") || attr[8] == '-';
            } else if (attr.starts_with("expires=")) {
                expired = expired || attr.find("1970") != std::string::npos;
            }
        }
        if (cookie.path.empty() || cookie.path[0] != '/') {
            const std::string path = path_of(url);
            cookie.path = path.substr(0, std::max<std::size_t>(path.rfind('/'), 1));
        }
        std::erase_if(cookies_, [&](const Cookie& c) {
            return c.name == cookie.name && c.path == cookie.path;
        });
        if (!expired && !cookie.value.empty()) {
            cookies_.push_back(std::move(cookie));
        }
    }
}

std::string OpBrowser::cookie_header(const std::string& url) const {
    const std::string path = path_of(url);
    std::vector<const Cookie*> matching;
    for (const auto& cookie : cookies_) {
        if (path_matches(path, cookie.path)) {
            matching.push_back(&cookie);
        }
    }
    // RFC 6265 §5.4: longer paths first.
    std::stable_sort(matching.begin(), matching.end(), [](const Cookie* a, const Cookie* b) {
        return a->path.size() > b->path.size();
    });
    std::string header;
    for (const Cookie* cookie : matching) {
        if (!header.empty()) {
            header += "; ";
        }
        header += cookie->name + "=" + cookie->value;
    }
    return header;
}

std::string OpBrowser::drive(std::string url, HttpResponse response, const std::string& stop_prefix,
                             const Options& options, const std::string& user_code,
                             std::string* body) {
    for (int step = 0; step < options.max_steps; ++step) {
        if (response.status >= 300 && response.status < 400) {
            const std::string location = resolve_url(url, response.header("Location").value_or(""));
            if (!stop_prefix.empty() && location.starts_with(stop_prefix)) {
                return location;
            }
            url = location;
            response = get(url);
            continue;
        }
        if (response.status != 200) {
            throw std::runtime_error("the provider answered HTTP " +
                                     std::to_string(response.status) + " at " + url + ": " +
                                     response.body.substr(0, 300));
        }
        auto forms = parse_html_forms(response.body);
        auto form = std::find_if(forms.begin(), forms.end(),
                                 [](const HtmlForm& f) { return f.method == "post"; });
        if (form == forms.end()) {
            if (body) {
                *body = response.body;
            }
            return {};
        }
        QueryParams fields;
        for (const auto& [name, value] : form->fields) {
            fields.add(name, value);
        }
        const std::string action = resolve_url(url, form->action.empty() ? url : form->action);
        const auto prompt = fields.get("prompt");
        if (prompt == "login") {
            fields.set("login", options.login);
            fields.set("password", options.password);
        } else if (prompt == "consent" && !options.approve) {
            // devInteractions' abort route answers access_denied to the client.
            url = action + "/abort";
            response = get(url);
            continue;
        } else if (form->id == "op.deviceInputForm") {
            fields.set("user_code", user_code);
        } else if (form->id == "op.deviceConfirmForm" && !options.approve) {
            // The abort button: the provider answers the device with access_denied and shows
            // its code input page again, where a user would stop.
            fields.add("abort", "yes");
            response = post_form(action, fields);
            if (body) {
                *body = response.body;
            }
            return {};
        } else if (form->id == "op.logoutForm") {
            fields.add("logout", "yes");
        }
        url = action;
        response = post_form(url, fields);
    }
    throw std::runtime_error("the provider's pages did not finish within " +
                             std::to_string(options.max_steps) + " steps (last: " + url + ")");
}

QueryParams OpBrowser::authorize(const std::string& authorize_url,
                                 const std::string& redirect_prefix, const Options& options) {
    last_redirect_ =
        drive(authorize_url, get(authorize_url), redirect_prefix, options, {}, nullptr);
    if (last_redirect_.empty()) {
        throw std::runtime_error("the provider did not redirect to " + redirect_prefix);
    }
    return parse_query(parse_url(last_redirect_).query);
}

std::string OpBrowser::approve_device(const std::string& verification_uri,
                                      const std::string& user_code, const Options& options) {
    std::string body;
    drive(verification_uri, get(verification_uri), {}, options, user_code, &body);
    return body;
}

std::string OpBrowser::end_session(const std::string& end_session_url,
                                   const std::string& redirect_prefix) {
    return drive(end_session_url, get(end_session_url), redirect_prefix, Options{}, {}, nullptr);
}

} // namespace authflow::test
