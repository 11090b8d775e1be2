// The one HTML template of the auth routes' pages: values escaped on the way in, an inline style
// allowed by its hash (CSP Level 3 §8.3), only ASCII in the markup (a plain Debian font set draws
// every glyph), no script.
#include "page_template.hpp"

#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/html.hpp>
#include <authflow/core/url.hpp>

#include <stdexcept>

namespace authflow::deploy_detail {
namespace {

constexpr std::string_view style =
    "body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;"
    "font-family:system-ui,sans-serif;background:#151518;color:#ebebed}"
    "main{background:#1f1f24;border:1px solid #2e2e35;border-radius:12px;padding:40px 48px;"
    "text-align:center;max-width:420px}"
    "h1{font-size:22px;margin:0 0 12px}p{color:#c4c4cc;margin:0 0 20px;line-height:1.4}"
    ".logo{max-width:160px;max-height:64px;margin-bottom:16px}"
    ".detail{font-family:monospace;font-size:13px;color:#a0a0aa;word-break:break-word}"
    ".btn{display:inline-block;padding:12px 24px;border:0;border-radius:8px;background:#3b82f6;"
    "color:#fff;text-decoration:none;font-weight:600;font-size:16px;cursor:pointer}"
    ".btn:hover{background:#2563eb}.links{margin-top:16px;font-size:14px}.links a{color:#93b4f8}"
    "form{margin:0}";

const std::string& style_source() {
    // 'sha256-<base64>' of the exact bytes between <style> and </style>.
    static const std::string source = "'sha256-" + base64_encode(sha256(style)) + "'";
    return source;
}

std::string origin_of(std::string_view url) {
    try {
        return parse_url(url).origin();
    } catch (const std::exception&) {
        return {};
    }
}

/// Bytes of the UTF-8 sequence starting with `lead`, or 0 when `lead` cannot start one.
std::size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) {
        return 1;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
        return 2;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        return 4;
    }
    return 0;
}

} // namespace

Markup fill(std::string_view pattern,
            std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
    Markup out;
    std::string& text = out.text_;
    text.reserve(pattern.size() + 64);
    std::size_t at = 0;
    while (at < pattern.size()) {
        const auto open = pattern.find("{{", at);
        if (open == std::string_view::npos) {
            text += pattern.substr(at);
            break;
        }
        const auto close = pattern.find("}}", open + 2);
        if (close == std::string_view::npos) {
            throw std::logic_error("page template: unclosed {{");
        }
        text += pattern.substr(at, open - at);
        const std::string_view name = pattern.substr(open + 2, close - open - 2);
        bool found = false;
        for (const auto& [key, value] : values) {
            if (key == name) {
                text += html_escape(value);
                found = true;
                break;
            }
        }
        if (!found) {
            throw std::logic_error("page template: no value for " + std::string{name});
        }
        at = close + 2;
    }
    return out;
}

Markup join_markup(std::initializer_list<const Markup*> parts) {
    Markup out;
    for (const Markup* part : parts) {
        out.text_ += part->text();
    }
    return out;
}

std::string page_document(const PageFrame& frame, std::string_view heading, const Markup& body) {
    const Markup logo =
        frame.logo_url.empty()
            ? fill("", {})
            : fill("<img class=\"logo\" src=\"{{logo}}\" alt=\"\">\n", {{"logo", frame.logo_url}});
    const Markup head =
        fill("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             "<title>{{title}}</title>\n",
             {{"title", frame.title}});
    const Markup top = fill("<h1>{{heading}}</h1>\n", {{"heading", heading}});
    std::string html;
    html.reserve(style.size() + body.text().size() + 512);
    html += head.text();
    html += "<style>";
    html += style;
    html += "</style>\n</head>\n<body>\n<main>\n";
    html += logo.text();
    html += top.text();
    html += body.text();
    html += "</main>\n</body>\n</html>\n";
    return html;
}

std::string content_security_policy(std::string_view logo_url, std::string_view extra_form_action) {
    std::string image = "'none'";
    if (!logo_url.empty()) {
        if (std::string origin = origin_of(logo_url); !origin.empty()) {
            image = std::move(origin);
        }
    }
    std::string policy = "default-src 'none'; style-src " + style_source() + "; img-src " + image +
                         "; form-action 'self'";
    if (!extra_form_action.empty()) {
        policy += ' ';
        policy += extra_form_action;
    }
    policy += "; frame-ancestors 'none'; base-uri 'none'";
    return policy;
}

Response page_response(int status, std::string html, std::string_view logo_url,
                       std::string_view extra_form_action) {
    Response response = Response::html(status, std::move(html));
    response.headers.set("Content-Security-Policy",
                         content_security_policy(logo_url, extra_form_action));
    response.headers.set("X-Frame-Options", "DENY");
    // Not no-referrer: that would make browsers send "Origin: null" on the sign-out POST.
    response.headers.set("Referrer-Policy", "same-origin");
    response.headers.set("Cache-Control", "no-store");
    return response;
}

std::string displayable_text(std::string_view text, std::size_t max_bytes) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes));
    std::size_t at = 0;
    while (at < text.size()) {
        const auto lead = static_cast<unsigned char>(text[at]);
        std::size_t length = sequence_length(lead);
        bool valid = length != 0 && at + length <= text.size();
        for (std::size_t i = 1; valid && i < length; ++i) {
            valid = (static_cast<unsigned char>(text[at + i]) & 0xC0) == 0x80;
        }
        if (!valid) {
            length = 1;
        }
        std::string_view piece = valid ? text.substr(at, length) : std::string_view{"?"};
        const bool control =
            lead < 0x20 || lead == 0x7F ||
            (length == 2 && lead == 0xC2 && static_cast<unsigned char>(text[at + 1]) < 0xA0);
        at += length;
        if (control && valid) {
            continue;
        }
        if (out.size() + piece.size() > max_bytes) {
            break;
        }
        out += piece;
    }
    return out;
}

} // namespace authflow::deploy_detail
