#include <authflow/core/html.hpp>
#include <authflow/deploy/login_page.hpp>

namespace authflow {
namespace {

constexpr std::string_view style = R"css(
:root{color-scheme:dark light}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#151518;color:#ebebed}
.authflow-login-card{background:#1f1f24;border:1px solid #2e2e35;border-radius:12px;
padding:40px 48px;text-align:center;max-width:360px;box-shadow:0 8px 32px rgba(0,0,0,.35)}
.authflow-login-logo{font-size:40px;margin-bottom:12px}
h1{font-size:22px;margin:0 0 8px}
.authflow-login-subtitle{color:#a0a0aa;margin:0 0 28px}
.authflow-login-btn{display:inline-block;padding:12px 24px;border-radius:8px;background:#3b82f6;
color:#fff;text-decoration:none;font-weight:600}
.authflow-login-btn:hover{background:#2563eb}
.authflow-login-btn:active{background:#1d4ed8}
)css";

} // namespace

std::string build_login_page(std::string_view provider_name, std::string_view title,
                             std::string_view subtitle, std::string_view login_url) {
    std::string html;
    html.reserve(2048);
    html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += "<title>" + html_escape(title) + "</title>\n";
    html += "<style>";
    html += style;
    html += "</style>\n</head>\n<body>\n";
    html += "<main class=\"authflow-login-card\">\n";
    html += "<div class=\"authflow-login-logo\" aria-hidden=\"true\">&#128274;</div>\n";
    html += "<h1>" + html_escape(title) + "</h1>\n";
    html += "<p class=\"authflow-login-subtitle\">" + html_escape(subtitle) + "</p>\n";
    html += "<a id=\"authflow-login-btn\" class=\"authflow-login-btn\" href=\"" +
            html_escape(login_url) + "\">Sign in with " + html_escape(provider_name) + "</a>\n";
    html += "</main>\n</body>\n</html>\n";
    return html;
}

} // namespace authflow
