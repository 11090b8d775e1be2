#include "common.hpp"

#include <cmath>
#include <cstdint>

namespace authflow::python {

py::object to_py(const nlohmann::json& value) {
    switch (value.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
        return py::none();
    case nlohmann::json::value_t::boolean:
        return py::bool_(value.get<bool>());
    case nlohmann::json::value_t::number_integer:
        return py::int_(value.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned:
        return py::int_(value.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float:
        return py::float_(value.get<double>());
    case nlohmann::json::value_t::string:
        return py::str(value.get_ref<const std::string&>());
    case nlohmann::json::value_t::binary:
        return py::bytes(std::string(value.get_binary().begin(), value.get_binary().end()));
    case nlohmann::json::value_t::array: {
        py::list list;
        for (const auto& item : value) {
            list.append(to_py(item));
        }
        return list;
    }
    case nlohmann::json::value_t::object: {
        py::dict dict;
        for (const auto& [key, item] : value.items()) {
            dict[py::str(key)] = to_py(item);
        }
        return dict;
    }
    }
    return py::none();
}

nlohmann::json from_py(py::handle value) {
    if (value.is_none()) {
        return nullptr;
    }
    if (py::isinstance<py::bool_>(value)) {
        return value.cast<bool>();
    }
    if (py::isinstance<py::int_>(value)) {
        return value.cast<std::int64_t>();
    }
    if (py::isinstance<py::float_>(value)) {
        return value.cast<double>();
    }
    if (py::isinstance<py::str>(value)) {
        return value.cast<std::string>();
    }
    if (py::isinstance<py::dict>(value)) {
        auto object = nlohmann::json::object();
        for (const auto& [key, item] : value.cast<py::dict>()) {
            object[py::str(key).cast<std::string>()] = from_py(item);
        }
        return object;
    }
    if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
        auto array = nlohmann::json::array();
        for (const auto& item : value) {
            array.push_back(from_py(item));
        }
        return array;
    }
    throw py::type_error("not a JSON value: " +
                         py::str(py::type::of(value).attr("__name__")).cast<std::string>());
}

std::shared_ptr<py::object> gil_safe(py::object object) {
    auto owned = std::make_unique<py::object>(std::move(object));
    return std::shared_ptr<py::object>(owned.release(), [](py::object* pointer) {
        std::unique_ptr<py::object> dropped(pointer);
        if (Py_IsInitialized() == 0) {
            (void)dropped->release(); // the interpreter is gone: nothing left to count
            return;
        }
        py::gil_scoped_acquire gil;
        dropped.reset();
    });
}

py::object claims_to_py(const IdTokenClaims& claims) {
    // The json module is imported once by the interpreter; this is a sys.modules lookup.
    const auto& payload = claims.payload();
    return py::module_::import("json").attr("loads")(py::str(payload.data(), payload.size()));
}

PyCallback::PyCallback(py::object callable) : callable_(gil_safe(std::move(callable))) {}

} // namespace authflow::python
