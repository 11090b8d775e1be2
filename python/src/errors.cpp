// C++ exceptions → the Python classes of authflow.errors, with code and provider answer.

#include "common.hpp"

#include <authflow/core/errors.hpp>
#include <authflow/providers/oauth_provider.hpp>

#include <exception>
#include <string>

namespace authflow::python {
namespace {

py::object errors_module() {
    return py::module_::import("authflow.errors");
}

void raise(const char* class_name, const Error& error, const py::dict& extra = py::dict()) {
    py::object cls = errors_module().attr(class_name);
    py::dict kwargs = extra;
    kwargs["code"] = py::str(std::string(to_string(error.code())));
    if (!error.oauth_error().empty()) {
        kwargs["error"] = error.oauth_error();
    }
    if (!error.error_description().empty()) {
        kwargs["error_description"] = error.error_description();
    }
    if (error.http_status() != 0) {
        kwargs["http_status"] = error.http_status();
    }
    py::object instance = cls(py::str(error.what()), **kwargs);
    PyErr_SetObject(cls.ptr(), instance.ptr());
}

void translate(std::exception_ptr pointer) {
    try {
        std::rethrow_exception(pointer);
    } catch (const RetryLaterError& error) {
        py::dict extra;
        extra["retry_after"] = error.retry_after();
        raise("RetryLaterError", error, extra);
    } catch (const TokenExpiredError& error) {
        raise("TokenExpiredError", error);
    } catch (const TokenRefreshError& error) {
        raise("TokenRefreshError", error);
    } catch (const TokenError& error) {
        raise("TokenError", error);
    } catch (const AuthFlowTimeout& error) {
        py::dict extra;
        extra["timeout"] = error.timeout_seconds();
        raise("AuthFlowTimeout", error, extra);
    } catch (const AuthFlowCancelled& error) {
        raise("AuthFlowCancelled", error);
    } catch (const AuthenticationError& error) {
        raise("AuthenticationError", error);
    } catch (const ConfigError& error) {
        raise("ConfigError", error);
    } catch (const StoreError& error) {
        raise("StoreError", error);
    } catch (const TransportError& error) {
        raise("TransportError", error);
    } catch (const Error& error) {
        raise("AuthflowError", error);
    }
}

} // namespace

void translate_current_exception() {
    translate(std::current_exception());
}

void init_errors(py::module_& m) {
    py::register_exception_translator(&translate);
    m.def(
        "_raise_error",
        [](const std::string& kind, const std::string& code) {
            // For the tests of the mapping: throws the C++ exception `kind` with errc `code`.
            errc value = errc::internal;
            for (int i = static_cast<int>(errc::internal); i <= static_cast<int>(errc::forbidden);
                 ++i) {
                if (to_string(static_cast<errc>(i)) == code) {
                    value = static_cast<errc>(i);
                }
            }
            ProviderAnswer answer{"invalid_grant", "grant revoked", 400};
            if (kind == "TokenRefreshError") {
                throw TokenRefreshError(value, "refresh refused", answer);
            }
            if (kind == "RetryLaterError") {
                throw RetryLaterError(value, "retry later", answer, "30");
            }
            if (kind == "TokenExpiredError") {
                throw TokenExpiredError(value, "expired");
            }
            if (kind == "TokenError") {
                throw TokenError(value, "token", answer);
            }
            if (kind == "AuthFlowTimeout") {
                throw AuthFlowTimeout("timed out", 1.5);
            }
            if (kind == "AuthFlowCancelled") {
                throw AuthFlowCancelled(value, "cancelled");
            }
            if (kind == "AuthenticationError") {
                throw AuthenticationError(value, "authentication", answer);
            }
            if (kind == "ConfigError") {
                throw ConfigError(value, "config");
            }
            if (kind == "StoreError") {
                throw StoreError(value, "store");
            }
            if (kind == "TransportError") {
                throw TransportError(value, "transport");
            }
            throw Error(value, "error");
        },
        py::arg("kind"), py::arg("code"));
    m.def("error_codes", [] {
        py::list codes;
        for (int i = static_cast<int>(errc::internal); i <= static_cast<int>(errc::forbidden);
             ++i) {
            codes.append(py::str(std::string(to_string(static_cast<errc>(i)))));
        }
        return codes;
    });
}

} // namespace authflow::python
