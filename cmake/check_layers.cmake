# Holds the layers of DESIGN.md: a file of one layer includes only its own layer and the layers
# below it, and reaches another layer's private headers only through that layer's named internal
# interface (src/<layer>/internal/). Fails, naming each offending line, otherwise.
#
#   cmake -DROOT=<source tree> -P cmake/check_layers.cmake
#
# Run by the build before the library compiles (target authflow_layer_check) and by ctest.
cmake_minimum_required(VERSION 3.25)
if(NOT ROOT)
    message(FATAL_ERROR "check_layers: pass -DROOT=<source tree>")
endif()

# Lowest first; each may use the ones before it.
set(layers core http jose oidc providers store session native deploy gateway cli python)

function(layer_rank layer out)
    list(FIND layers ${layer} rank)
    set(${out} ${rank} PARENT_SCOPE)
endfunction()

set(problems "")
function(check_file file layer)
    layer_rank(${layer} own_rank)
    file(STRINGS ${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
    file(RELATIVE_PATH shown ${ROOT} ${file})
    foreach(line IN LISTS includes)
        if(line MATCHES "<authflow/([a-z_]+)/")
            set(used ${CMAKE_MATCH_1})
            layer_rank(${used} used_rank)
            if(used_rank GREATER own_rank)
                list(APPEND problems "${shown}: ${layer} includes the higher layer ${used}: ${line}")
            endif()
        elseif(line MATCHES "\"\\.\\./([a-z_]+)/([^\"]*)\"")
            set(used ${CMAKE_MATCH_1})
            set(path ${CMAKE_MATCH_2})
            layer_rank(${used} used_rank)
            if(used_rank EQUAL -1 OR used_rank GREATER own_rank)
                list(APPEND problems "${shown}: ${layer} includes the higher layer ${used}: ${line}")
            elseif(NOT path MATCHES "^internal/")
                list(APPEND problems "${shown}: ${layer} reaches into a private header of \
${used} (only src/${used}/internal/ is for other layers): ${line}")
            endif()
        endif()
    endforeach()
    set(problems ${problems} PARENT_SCOPE)
endfunction()

foreach(layer IN LISTS layers)
    set(dirs ${ROOT}/src/${layer} ${ROOT}/include/authflow/${layer})
    if(layer STREQUAL "cli")
        set(dirs ${ROOT}/tools/authflow)
    elseif(layer STREQUAL "python")
        set(dirs ${ROOT}/python)
    endif()
    foreach(dir IN LISTS dirs)
        if(NOT IS_DIRECTORY ${dir})
            continue()
        endif()
        file(GLOB_RECURSE files ${dir}/*.hpp ${dir}/*.cpp ${dir}/*.h ${dir}/*.cc)
        foreach(file IN LISTS files)
            check_file(${file} ${layer})
        endforeach()
    endforeach()
endforeach()

if(problems)
    list(LENGTH problems count)
    list(JOIN problems "\n  " text)
    message(FATAL_ERROR "check_layers: ${count} include(s) break the layers:\n  ${text}")
endif()
