#pragma once
// Everything authflow offers, in one include.

#include <authflow/config.hpp>
#include <authflow/core/auth_flow.hpp>
#include <authflow/core/clock.hpp>
#include <authflow/core/crypto.hpp>
#include <authflow/core/encoding.hpp>
#include <authflow/core/errors.hpp>
#include <authflow/core/log.hpp>
#include <authflow/core/pkce.hpp>
#include <authflow/core/random.hpp>
#include <authflow/core/settings.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/core/url.hpp>
#include <authflow/http/http_client.hpp>
