#include "pages/page_template.hpp"

#include <authflow/deploy/login_page.hpp>

namespace authflow {

std::string build_login_page(std::string_view provider_name, std::string_view title,
                             std::string_view subtitle, std::string_view login_url) {
    const deploy_detail::Markup body = deploy_detail::fill(
        "<p>{{subtitle}}</p>\n<a id=\"authflow-login-btn\" class=\"btn\" "
        "href=\"{{url}}\">Sign in with {{provider}}</a>\n",
        {{"subtitle", subtitle}, {"url", login_url}, {"provider", provider_name}});
    return deploy_detail::page_document({std::string{title}, {}}, title, body);
}

} // namespace authflow
