# Compiles the C++ code blocks of a Markdown page, so that the examples a reader copies from it
# keep building. Every ```cpp block must be a whole program (includes and main); a fragment goes
# in a fence of another name.
#
#   authflow_compile_markdown_snippets(<page.md> <target prefix>)
#
# Each block becomes <build>/snippets/<prefix>_<n>.cpp and a program <prefix>_<n> linked against
# authflow, built with the project's warnings and never run.
function(authflow_compile_markdown_snippets page prefix)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${page})
    file(READ ${page} text)
    set(open "```cpp\n")
    string(LENGTH "${open}" open_length)
    set(count 0)
    while(TRUE)
        string(FIND "${text}" "${open}" start)
        if(start EQUAL -1)
            break()
        endif()
        math(EXPR start "${start} + ${open_length}")
        string(SUBSTRING "${text}" ${start} -1 text)
        string(FIND "${text}" "\n```" end)
        if(end EQUAL -1)
            message(FATAL_ERROR "${page}: a ```cpp block is not closed")
        endif()
        math(EXPR end "${end} + 1")
        string(SUBSTRING "${text}" 0 ${end} block)
        string(SUBSTRING "${text}" ${end} -1 text)

        math(EXPR count "${count} + 1")
        set(name ${prefix}_${count})
        set(source ${CMAKE_CURRENT_BINARY_DIR}/snippets/${name}.cpp)
        # Written through a copy so that an unchanged block does not rebuild.
        file(WRITE ${source}.new "${block}")
        configure_file(${source}.new ${source} COPYONLY)
        add_executable(${name} ${source})
        target_link_libraries(${name} PRIVATE authflow::authflow authflow_warnings)
    endwhile()
    if(count EQUAL 0)
        message(FATAL_ERROR "${page}: no ```cpp block to compile")
    endif()
endfunction()
