// airclass: the live-classroom server. See server/cli.hpp for the commands.
#include <string>
#include <vector>

#include "server/cli.hpp"

extern char** environ;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  return airclass::server::runCli(args, env);
}
