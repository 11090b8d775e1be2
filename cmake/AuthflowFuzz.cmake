# AUTHFLOW_FUZZ: build the library for libFuzzer (clang only). The library and everything else
# get -fsanitize=fuzzer-no-link,address,undefined (coverage instrumentation without libFuzzer's
# main); the fuzz targets in tests/fuzz (<parser>_fuzz) add -fsanitize=fuzzer at link time.
if(AUTHFLOW_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
        message(FATAL_ERROR "authflow: AUTHFLOW_FUZZ needs clang (Debian packages 'clang-14' and "
                            "'libclang-rt-14-dev'); configure with the 'fuzz' preset.")
    endif()
    if(AUTHFLOW_SANITIZE)
        message(FATAL_ERROR "authflow: AUTHFLOW_FUZZ brings its own sanitizers; leave "
                            "AUTHFLOW_SANITIZE empty.")
    endif()
    add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    add_link_options(-fsanitize=address,undefined)
endif()
