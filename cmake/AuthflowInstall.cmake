include(CMakePackageConfigHelpers)

# Install components (the Debian packages of cmake/AuthflowPackaging.cmake): `lib` the shared
# library, `dev` what a program is compiled against, `cli` the authflow command and its man page.
install(TARGETS authflow EXPORT authflowTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT lib
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/authflow DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT dev)
install(FILES ${PROJECT_BINARY_DIR}/include/authflow/config.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/authflow COMPONENT dev)

set(authflow_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/authflow)
install(EXPORT authflowTargets NAMESPACE authflow:: DESTINATION ${authflow_cmake_dir}
        COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/authflowConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/authflowConfig.cmake
                              INSTALL_DESTINATION ${authflow_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/authflowConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/authflowConfig.cmake
              ${PROJECT_BINARY_DIR}/authflowConfigVersion.cmake
        DESTINATION ${authflow_cmake_dir} COMPONENT dev)

set(AUTHFLOW_PC_REQUIRES "nlohmann_json")
if(NOT BUILD_SHARED_LIBS)
    set(AUTHFLOW_PC_REQUIRES_PRIVATE "openssl simdjson tomlplusplus") # libcurl: loaded at run time
    if(AUTHFLOW_WITH_REDIS)
        string(APPEND AUTHFLOW_PC_REQUIRES_PRIVATE " hiredis")
    endif()
    if(AUTHFLOW_WITH_KEYRING)
        string(APPEND AUTHFLOW_PC_REQUIRES_PRIVATE " libsecret-1")
    endif()
    if(AUTHFLOW_WITH_SQLITE)
        string(APPEND AUTHFLOW_PC_REQUIRES_PRIVATE " sqlite3")
    endif()
    if(AUTHFLOW_WITH_HTTPLIB)
        string(APPEND AUTHFLOW_PC_REQUIRES_PRIVATE " cpp-httplib")
    endif()
endif()
# The .pc file finds its prefix from its own location, so `cmake --install --prefix` anywhere works.
file(RELATIVE_PATH AUTHFLOW_PC_PREFIX_FROM_PCFILEDIR "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig"
     "${CMAKE_INSTALL_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/authflow.pc.in ${PROJECT_BINARY_DIR}/authflow.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/authflow.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT dev)
# Not in a Debian package: each has its own copy as /usr/share/doc/<package>/copyright.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/authflow
        COMPONENT doc)
