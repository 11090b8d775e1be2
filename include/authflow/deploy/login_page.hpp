#pragma once
// The sign-in page, served by deploy-mode applications.

#include <string>
#include <string_view>

namespace authflow {

/// A complete HTML page with a centred card: the title, the subtitle, and a "Sign in with
/// {provider_name}" link to `login_url` (a sign-in button without JavaScript). Every value is
/// HTML-escaped, attribute values included (a provider name from settings cannot inject
/// markup). The page has no script and no
/// external resources and only ASCII markup; its inline style is the one the auth routes' pages
/// allow by hash (AuthRoutes::sign_in_page serves it with that Content-Security-Policy).
std::string build_login_page(std::string_view provider_name, std::string_view title = "Sign In",
                             std::string_view subtitle = "Sign in to continue",
                             std::string_view login_url = "/auth/login");

} // namespace authflow
