# authflow_unity_build(target): with AUTHFLOW_UNITY_BUILD on, the target's sources are compiled
# 16 to a compiler run, so that nlohmann::json and the standard library are instantiated once per
# batch rather than once per file (the compiler works about a sixth as long; docs/building.md).
# The project's presets turn it on except for `dev`, whose file-by-file build is the one that
# shows a source missing an #include of its own.
function(authflow_unity_build target)
    if(NOT AUTHFLOW_UNITY_BUILD)
        return()
    endif()
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 16)
    # In a batch every source is an included file, and GCC takes a private class holding a member
    # of an anonymous-namespace type for a header's mistake.
    target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-subobject-linkage>)
endfunction()
