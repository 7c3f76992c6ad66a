// Placeholder until the server lands: prints usage.
#include <cstdio>
int main() {
  std::puts("usage: airclass serve [--config FILE] | airclass token --role R --room ROOM --user U [--ttl 2h]");
  return 2;
}
