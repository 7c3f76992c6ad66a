// Free loopback ports for one server: each is free for TCP and UDP at once (SRT and WebRTC use UDP, WebRTC
// also ICE-TCP on the same number). The probe sockets stay open until every port is found, so the ports
// differ from each other; another process may still take one before the server binds it (rare).
import net from 'node:net';
import dgram from 'node:dgram';

function listenTcp(port) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(srv));
  });
}

function bindUdp(port) {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', (err) => { sock.close(); reject(err); });
    sock.bind({ address: '127.0.0.1', port, exclusive: true }, () => resolve(sock));
  });
}

// Returns `count` distinct ports, each free for TCP and UDP on 127.0.0.1.
export async function freePorts(count) {
  const held = [];
  const ports = [];
  try {
    for (let attempt = 0; ports.length < count && attempt < 200; attempt++) {
      const tcp = await listenTcp(0);
      held.push(tcp);
      const port = tcp.address().port;
      try {
        held.push(await bindUdp(port));
        ports.push(port);
      } catch {
        // UDP side taken: try another number
      }
    }
  } finally {
    await Promise.all(held.map((h) => new Promise((resolve) => h.close(() => resolve()))));
  }
  if (ports.length < count) throw new Error(`freePorts: found only ${ports.length} of ${count}`);
  return ports;
}
