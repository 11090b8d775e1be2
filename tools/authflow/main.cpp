#include "cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
    return authflow::cli::run(argc, argv, std::cout, std::cerr);
}
