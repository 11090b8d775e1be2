# Runs cmake/check_layers.cmake on small made-up trees: a clean one must pass; one with an upward
# include, one reaching into another layer's private header and one including an unknown layer's
# private header must each fail, naming the file.
#   cmake -DCHECK=<check_layers.cmake> -DWORK=<scratch dir> -P layer_check_test.cmake
cmake_minimum_required(VERSION 3.25)

function(make_tree name file text)
    set(root ${WORK}/${name})
    file(REMOVE_RECURSE ${root})
    file(WRITE ${root}/src/core/clock.cpp "#include <authflow/core/clock.hpp>\n")
    file(WRITE ${root}/src/store/internal/connection.hpp "#pragma once\n")
    file(WRITE ${root}/src/deploy/stores.cpp
         "#include <authflow/store/token_store.hpp>\n#include \"../store/internal/connection.hpp\"\n")
    if(file)
        file(WRITE ${root}/${file} "${text}")
    endif()
endfunction()

function(expect name outcome needle)
    execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${WORK}/${name} -P ${CHECK}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(outcome STREQUAL "pass" AND NOT rc EQUAL 0)
        message(FATAL_ERROR "${name}: the check refused a clean tree:\n${out}")
    endif()
    if(outcome STREQUAL "fail")
        if(rc EQUAL 0)
            message(FATAL_ERROR "${name}: the check let a broken tree pass")
        endif()
        string(FIND "${out}" "${needle}" at)
        if(at EQUAL -1)
            message(FATAL_ERROR "${name}: the check failed without naming ${needle}:\n${out}")
        endif()
    endif()
endfunction()

make_tree(clean "" "")
expect(clean pass "")

make_tree(upward src/core/settings.cpp "#include <authflow/deploy/settings.hpp>\n")
expect(upward fail "src/core/settings.cpp")

make_tree(upward_header include/authflow/jose/jws.hpp "#include <authflow/oidc/id_token.hpp>\n")
expect(upward_header fail "include/authflow/jose/jws.hpp")

make_tree(private src/deploy/redis.cpp "#include \"../store/redis_connection.hpp\"\n")
expect(private fail "src/deploy/redis.cpp")

make_tree(relative_upward src/store/cache.cpp "#include \"../session/internal/x.hpp\"\n")
expect(relative_upward fail "src/store/cache.cpp")

make_tree(cli_is_top tools/authflow/main.cpp "#include <authflow/deploy/auth_routes.hpp>\n")
expect(cli_is_top pass "")
