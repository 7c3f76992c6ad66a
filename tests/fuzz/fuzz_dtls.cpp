// libFuzzer target: the DTLS input path of a server-role transport (record framing check, then OpenSSL's
// handshake on whatever passes). Each input is split into datagrams by a 2-byte length prefix.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "media/webrtc/dtls_transport.hpp"
#include "media/webrtc/packet_demux.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace airclass::media::webrtc;
  static const DtlsCertificate certificate;
  static const DtlsCertificate peer;
  DtlsTransport transport(certificate, DtlsRole::Server, peer.fingerprint());
  transport.start();
  std::span<const uint8_t> rest(data, size);
  while (rest.size() >= 2) {
    const size_t length = std::min<size_t>((size_t{rest[0]} << 8) | rest[1], rest.size() - 2);
    const auto datagram = rest.subspan(2, length);
    (void)classifyPacket(datagram);
    (void)transport.handleDatagram(datagram);
    (void)transport.takeOutgoing();
    rest = rest.subspan(2 + length);
  }
  transport.close();
  return 0;
}
