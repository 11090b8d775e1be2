#pragma once
// Shared helpers of the binding: JSON <-> Python, Python callables that are safe to call and to
// drop on authflow's own threads, and holders whose deleter never waits while holding the GIL.

#include <authflow/core/errors.hpp>
#include <authflow/core/token_set.hpp>
#include <authflow/oidc/id_token.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <string>
#include <utility>

namespace authflow::python {

namespace py = pybind11;

/// A JSON value as Python objects (dict, list, str, int, float, bool, None).
py::object to_py(const nlohmann::json& value);
/// The claims of a validated token as a dict, parsed from the payload text by Python's json
/// module (faster than building a JSON tree first).
py::object claims_to_py(const IdTokenClaims& claims);
/// A Python object (dict, list, tuple, str, int, float, bool, None) as JSON. Raises TypeError.
nlohmann::json from_py(py::handle value);

/// A Python callable kept by C++ code that may call, copy or drop it on any thread: the GIL is
/// taken only around Python code, and an exception the callable raises is reported through
/// sys.unraisablehook instead of crossing into C++.
class PyCallback {
public:
    explicit PyCallback(py::object callable);
    /// Calls the callable with `args` under the GIL; returns None when it raised.
    template <typename... Args> py::object operator()(Args&&... args) const {
        py::gil_scoped_acquire gil;
        try {
            return (*callable_)(std::forward<Args>(args)...);
        } catch (py::error_already_set& error) {
            error.discard_as_unraisable(*callable_);
            return py::none();
        }
    }

    /// As operator(), but an exception the callable raises is reported and becomes an
    /// authflow Error (`code`), for callbacks whose failure must end what called them.
    template <typename... Args> py::object call_or_throw(errc code, Args&&... args) const {
        py::gil_scoped_acquire gil;
        std::string type;
        try {
            return (*callable_)(std::forward<Args>(args)...);
        } catch (py::error_already_set& error) {
            type = py::str(error.type().attr("__name__")).cast<std::string>();
            error.discard_as_unraisable(*callable_);
        }
        throw Error(code, "the Python callback raised " + type);
    }

private:
    std::shared_ptr<py::object> callable_; // see gil_safe
};

/// A Python object that C++ code may drop on any thread: the last reference is released under
/// the GIL (and not at all once the interpreter is gone).
std::shared_ptr<py::object> gil_safe(py::object object);

/// Wraps `object` so that its destruction (which may wait for a background thread that needs the
/// GIL) runs without the GIL when the last reference is dropped from Python.
template <typename T> std::shared_ptr<T> released_on_delete(std::unique_ptr<T> object) {
    return std::shared_ptr<T>(object.release(), [](T* pointer) {
        std::unique_ptr<T> owned(pointer);
        if (PyGILState_Check() != 0) {
            py::gil_scoped_release released;
            owned.reset();
        }
    });
}

/// Raises the Python form of the active authflow exception (see errors.cpp). For callers that
/// catch C++ exceptions themselves.
void translate_current_exception();

void init_errors(py::module_& m);
void init_tokens(py::module_& m);
void init_providers(py::module_& m);
void init_stores(py::module_& m);
void init_session(py::module_& m);
void init_flow(py::module_& m);
void init_deploy(py::module_& m);

} // namespace authflow::python
