#pragma once
// Private to the deploy layer: the one template every HTML page of the auth routes is built
// with, and the headers each page carries.

#include <authflow/deploy/http.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace authflow::deploy_detail {

/// Markup built by fill(): every interpolated value in it was escaped. Only fill() and
/// join_markup() make one, so no unescaped text reaches a page. A plain value; not synchronised.
class Markup {
public:
    const std::string& text() const noexcept { return text_; }

private:
    friend Markup fill(std::string_view,
                       std::initializer_list<std::pair<std::string_view, std::string_view>>);
    friend Markup join_markup(std::initializer_list<const Markup*>);
    std::string text_;
};

/// `pattern` with each `{{name}}` replaced by the HTML-escaped value of `name` (html_escape:
/// safe in text and in quoted attribute values). A name missing from `values` throws
/// std::logic_error (a programming error, never a request's).
Markup fill(std::string_view pattern,
            std::initializer_list<std::pair<std::string_view, std::string_view>> values);

/// The pieces one after another.
Markup join_markup(std::initializer_list<const Markup*> parts);

/// How every page looks: its title, and the logo shown above the card (empty: none).
struct PageFrame {
    std::string title;
    std::string logo_url;
};

/// A complete HTML document: `heading` as <h1>, then `body`, in the centred card, with the
/// inline style whose hash content_security_policy() allows. No script, no external asset
/// except the logo.
std::string page_document(const PageFrame& frame, std::string_view heading, const Markup& body);

/// The page's Content-Security-Policy: default-src 'none'; style-src with the hash of the
/// inline style; img-src the logo's origin only ('none' without a logo); form-action 'self'
/// plus `extra_form_action` (the provider's end-session origin, which a sign-out form's
/// redirect reaches); frame-ancestors 'none'; base-uri 'none'.
std::string content_security_policy(std::string_view logo_url,
                                    std::string_view extra_form_action = {});

/// An HTML response with the page headers: CSP (as content_security_policy), nosniff,
/// X-Frame-Options DENY, Referrer-Policy same-origin, Cache-Control no-store.
Response page_response(int status, std::string html, std::string_view logo_url,
                       std::string_view extra_form_action = {});

/// `text` made safe to show: control characters (C0, DEL, C1) dropped, invalid UTF-8 replaced,
/// cut to at most `max_bytes` bytes on a character boundary. The result still needs escaping.
std::string displayable_text(std::string_view text, std::size_t max_bytes);

} // namespace authflow::deploy_detail
