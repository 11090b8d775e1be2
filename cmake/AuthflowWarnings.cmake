add_library(authflow_warnings INTERFACE)
target_compile_options(authflow_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                   -Wnon-virtual-dtor -Wold-style-cast)
if(AUTHFLOW_WERROR)
    target_compile_options(authflow_warnings INTERFACE -Werror)
endif()

if(AUTHFLOW_SANITIZE)
    add_compile_options(-fsanitize=${AUTHFLOW_SANITIZE} -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${AUTHFLOW_SANITIZE})
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
    set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
    set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
