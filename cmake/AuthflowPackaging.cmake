# Debian packages made by CPack from the install components of cmake/AuthflowInstall.cmake and
# tools/authflow/CMakeLists.txt (docs/building.md, "Debian packages"):
#   libauthflow<soversion>  component lib: the shared library (and its copyright)
#   libauthflow-dev         component dev: headers, CMake package, authflow.pc, the .so link
#   authflow                component cli: the authflow command and its man page
# scripts/package.sh configures the `package` preset (prefix /usr, no tests), builds and runs cpack.
# Included last: CPack takes the components of the install rules defined before it.

if(NOT BUILD_SHARED_LIBS)
    message(STATUS "Debian packages: only for a shared build (BUILD_SHARED_LIBS=ON); none set up")
    return()
endif()

set(AUTHFLOW_PACKAGE_MAINTAINER "authflow maintainers <authflow@example.org>"
    CACHE STRING "Maintainer field of the Debian packages")
set(AUTHFLOW_PACKAGE_HOMEPAGE "https://example.org/authflow"
    CACHE STRING "Homepage field of the Debian packages")
set(AUTHFLOW_PACKAGE_RELEASE 1 CACHE STRING "Debian revision of the packages (the part after '-')")

# Debian names a library's package after its soname: libauthflow.so.0.1 is in libauthflow0.1.
# authflow's ABI may change with each minor version while it is 0.x, so SOVERSION is
# major.minor (src/CMakeLists.txt) and the package name follows it.
get_target_property(authflow_soversion authflow SOVERSION)
set(authflow_lib_package libauthflow${authflow_soversion})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME authflow)
set(CPACK_PACKAGE_VENDOR "authflow")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${AUTHFLOW_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_HOMEPAGE_URL "${AUTHFLOW_PACKAGE_HOMEPAGE}")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
set(CPACK_STRIP_FILES ON)

# Each package's description below: its first line is the package's summary, the rest (CPack
# indents it, an empty line becomes " .") the long description. An empty common summary, or
# CPack would put the project's description above all three.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_COMPONENTS_ALL lib dev)
set(authflow_package_names ${authflow_lib_package} libauthflow-dev)
if(AUTHFLOW_BUILD_CLI)
    list(APPEND CPACK_COMPONENTS_ALL cli)
    list(APPEND authflow_package_names authflow)
endif()
set(CPACK_COMPONENT_DEV_DEPENDS lib)
set(CPACK_COMPONENT_CLI_DEPENDS lib)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${AUTHFLOW_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${AUTHFLOW_PACKAGE_HOMEPAGE}")
set(CPACK_DEBIAN_PACKAGE_RELEASE ${AUTHFLOW_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps (dpkg-dev) works out each package's run-time dependencies from its ELF files.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The authflow command needs libauthflow.so.0.1, which is in no installed package yet: found in
# the build tree, its dependency comes from CPACK_COMPONENT_CLI_DEPENDS.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/src)
# `dev` and `cli` depend on exactly this version of the library package.
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_DEBIAN_LIB_PACKAGE_NAME ${authflow_lib_package})
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
# A shlibs file, so that packages built against this library get the dependency on it (only the
# lib package has a shared library).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_COMPONENT_LIB_DESCRIPTION
    "OAuth 2.0 and OpenID Connect sign-in for C++: shared library
authflow signs C++20 programs in with OAuth 2.0 and OpenID Connect providers: PKCE, state
and nonce on every login, ID tokens verified against the provider's keys, tokens kept fresh
and stored safely (memory, SQLite, Redis, Secret Service keyring).

This package holds the shared library. libcurl is loaded on the first request.")
# libcurl is loaded with dlopen, so dpkg-shlibdeps does not see it: name it here.
set(CPACK_DEBIAN_LIB_PACKAGE_DEPENDS "libcurl4")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libauthflow-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# The public headers include <nlohmann/json.hpp> (authflowConfig.cmake finds nlohmann_json 3.10,
# authflow.pc requires it); <authflow/deploy/httplib_adapter.hpp>, opt-in, includes <httplib.h>.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "nlohmann-json3-dev (>= 3.10)")
set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "libcpp-httplib-dev, pkg-config, cmake")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "OAuth 2.0 and OpenID Connect sign-in for C++: development files
authflow signs C++20 programs in with OAuth 2.0 and OpenID Connect providers.

This package holds the headers, the CMake package (find_package(authflow), target
authflow::authflow) and authflow.pc for pkg-config.")

set(CPACK_DEBIAN_CLI_PACKAGE_NAME authflow)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION net)
set(CPACK_COMPONENT_CLI_DESCRIPTION
    "OAuth 2.0 and OpenID Connect sign-in from the command line
authflow signs in to an OpenID Provider (browser with a loopback redirect, or the device
flow), keeps the tokens fresh and prints an access token for scripts: authflow login,
token, status, refresh, logout, discover, id-token verify, serve.")

# Debian wants /usr/share/doc/<package>/copyright in every package. Only in the packages:
# EXCLUDE_FROM_ALL keeps them out of a plain `cmake --install`.
foreach(component package IN ZIP_LISTS CPACK_COMPONENTS_ALL authflow_package_names)
    install(FILES ${PROJECT_SOURCE_DIR}/LICENSE
            DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} RENAME copyright
            COMPONENT ${component} EXCLUDE_FROM_ALL)
endforeach()

include(CPack)
