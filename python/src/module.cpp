// authflow._authflow: the compiled part of the Python package `authflow`.

#include "common.hpp"

PYBIND11_MODULE(_authflow, m) {
    m.doc() = "The compiled core of the authflow package (use the `authflow` package instead).";
    m.attr("__version__") = AUTHFLOW_PY_VERSION;
    authflow::python::init_errors(m);
    authflow::python::init_tokens(m);
    authflow::python::init_providers(m);
    authflow::python::init_stores(m);
    authflow::python::init_session(m);
    authflow::python::init_flow(m);
    authflow::python::init_deploy(m);
}
