// libFuzzer target: the webhook receiver's answer, as WebhookSender reads its status line (untrusted bytes
// from whatever the configured URL points at).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/webhook_sender.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int status = airclass::server::WebhookSender::statusOf(std::string_view(reinterpret_cast<const char*>(data), size));
  if (status != -1 && (status < 100 || status > 599)) __builtin_trap();  // a status, or none
  return 0;
}
