// The command line: `airclass serve ...`, `airclass token ...`, `airclass --help`. Returns the process exit code
// (0 ok, 1 could not start, 2 usage or configuration error with one line on stderr). Main thread only.
#pragma once
#include <string>
#include <vector>

namespace airclass::server {

// `args`: argv without the program name; `env`: the environment as "KEY=value" strings.
int runCli(const std::vector<std::string>& args, const std::vector<std::string>& env);

}  // namespace airclass::server
